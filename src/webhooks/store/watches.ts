// D1 access for watched users: the API's PUT/DELETE/list, and the cron's choice of who is due. Scoped by organisation.

/** Shards of the watch table: the cron fans due work out by shard (migration 0005). */
export const SHARDS = 256;

/** A watch's shard: the first two hex digits of its user id (a UUID: evenly spread). */
export function shardOf(userId: string): number {
  const shard = Number.parseInt(userId.slice(0, 2), 16);
  return Number.isInteger(shard) && shard >= 0 && shard < SHARDS ? shard : 0;
}

/** Watches a user (or keeps watching), recording the issuer that asked last; true when the watch is new. */
export async function putWatch(db: D1Database, orgId: string, userId: string, issuer: string, now: string): Promise<boolean> {
  const row = await db
    .prepare(
      "INSERT INTO watches (org_id, user_id, created_at, last_checked_at, issuer, shard) VALUES (?1, ?2, ?3, 0, ?4, ?5) ON CONFLICT (org_id, user_id) DO UPDATE SET issuer = excluded.issuer RETURNING created_at",
    )
    .bind(orgId, userId, now, issuer, shardOf(userId))
    .first<{ created_at: string }>();
  return row?.created_at === now;
}

export async function isWatched(db: D1Database, orgId: string, userId: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM watches WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first()) !== null;
}

/** How many users an organisation watches (its quota). */
export async function countWatches(db: D1Database, orgId: string): Promise<number> {
  return (await db.prepare("SELECT count(*) AS n FROM watches WHERE org_id = ?1").bind(orgId).first<number>("n")) ?? 0;
}

export async function deleteWatch(db: D1Database, orgId: string, userId: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM watches WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).run();
  return result.meta.changes > 0;
}

/** A page of an organisation's watches; `last_checked_at` null when never checked. */
export async function listWatches(db: D1Database, orgId: string, limit: number, after: string | undefined): Promise<{ user_id: string; created_at: string; last_checked_at: number | null }[]> {
  const { results } = await db
    .prepare("SELECT user_id, created_at, NULLIF(last_checked_at, 0) AS last_checked_at FROM watches WHERE org_id = ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3")
    .bind(orgId, after ?? "", limit)
    .all<{ user_id: string; created_at: string; last_checked_at: number | null }>();
  return results;
}

export interface DueWatch {
  org_id: string;
  user_id: string;
  issuer: string | null;
  last_checked_at: number;
}

/**
 * The due watches of one shard (not checked since `checkedBefore`, epoch seconds), at most `limit`, fair between
 * organisations: round-robin — every organisation's oldest first, then every organisation's second oldest, … — so
 * one organisation's many watches never crowd out another's few. Found by the (shard, last_checked_at) index.
 */
export const DUE_IN_SHARD_SQL = `SELECT org_id, user_id, issuer, last_checked_at FROM (
  SELECT org_id, user_id, issuer, last_checked_at, ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY last_checked_at) AS turn
  FROM watches WHERE shard = ?1 AND last_checked_at <= ?2
) ORDER BY turn, last_checked_at, org_id LIMIT ?3`;

export async function dueInShard(db: D1Database, shard: number, checkedBefore: number, limit: number): Promise<{ watches: DueWatch[]; rowsRead: number }> {
  const { results, meta } = await db.prepare(DUE_IN_SHARD_SQL).bind(shard, checkedBefore, limit).all<DueWatch>();
  return { watches: results, rowsRead: meta?.rows_read ?? 0 };
}

/** How many watches are due (not checked since `checkedBefore`) in each group of `shardsPerGroup` shards, by index. */
export const DUE_BY_GROUP_SQL = "SELECT shard / CAST(?2 AS INTEGER) AS shard_group, count(*) AS due FROM watches WHERE last_checked_at <= ?1 GROUP BY shard_group";

export async function dueByGroup(db: D1Database, checkedBefore: number, shardsPerGroup: number): Promise<{ due: Map<number, number>; rowsRead: number }> {
  const { results, meta } = await db.prepare(DUE_BY_GROUP_SQL).bind(checkedBefore, shardsPerGroup).all<{ shard_group: number; due: number }>();
  return { due: new Map(results.map((row) => [row.shard_group, row.due])), rowsRead: meta?.rows_read ?? 0 };
}

/** How many watches of a shard are due, and since when the oldest (epoch seconds): what a run leaves behind. */
export async function dueBacklog(db: D1Database, shard: number, checkedBefore: number): Promise<{ due: number; oldest: number | null; rowsRead: number }> {
  const { results, meta } = await db.prepare("SELECT count(*) AS due, min(last_checked_at) AS oldest FROM watches WHERE shard = ?1 AND last_checked_at <= ?2").bind(shard, checkedBefore).all<{ due: number; oldest: number | null }>();
  return { due: results[0]?.due ?? 0, oldest: results[0]?.oldest ?? null, rowsRead: meta?.rows_read ?? 0 };
}

/** A check the upstream budget could not permit now: the watch is due again at the next run. */
export async function deferWatch(db: D1Database, orgId: string, userId: string, dueAgainFrom: number): Promise<void> {
  await db.prepare("UPDATE watches SET last_checked_at = ?3 WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId, dueAgainFrom).run();
}

/** One claim per row of its JSON array: set to `at` only where still `prev` (compare-and-set), by primary key. */
export const CLAIM_SQL = `UPDATE watches SET last_checked_at = json_extract(claim.value, '$.at') FROM json_each(?1) AS claim
  WHERE watches.org_id = json_extract(claim.value, '$.org') AND watches.user_id = json_extract(claim.value, '$.user')
  AND watches.last_checked_at = json_extract(claim.value, '$.prev') RETURNING watches.org_id, watches.user_id`;
/** Claims per statement: its JSON stays small, and a message's claims are a handful of D1 queries, not thousands. */
const CLAIMS_PER_STATEMENT = 500;

/**
 * Claims the watches for a check (planned at `checkAt`, default now): each is marked checked only if nobody marked it
 * since it was selected (compare-and-set), so two runs that overlap never check one user twice. Answers the ones
 * this run claimed.
 */
export async function claimWatches(db: D1Database, watches: readonly DueWatch[], now: number, checkAt: (watch: DueWatch) => number = () => now): Promise<DueWatch[]> {
  if (watches.length === 0) return [];
  const statements = [];
  for (let offset = 0; offset < watches.length; offset += CLAIMS_PER_STATEMENT) {
    const claims = watches.slice(offset, offset + CLAIMS_PER_STATEMENT).map((watch) => ({ org: watch.org_id, user: watch.user_id, at: checkAt(watch), prev: watch.last_checked_at }));
    statements.push(db.prepare(CLAIM_SQL).bind(JSON.stringify(claims)));
  }
  const results = await db.batch<{ org_id: string; user_id: string }>(statements);
  const claimed = new Set(results.flatMap((result) => result.results.map((row) => `${row.org_id}/${row.user_id}`)));
  return watches.filter((watch) => claimed.has(`${watch.org_id}/${watch.user_id}`));
}
