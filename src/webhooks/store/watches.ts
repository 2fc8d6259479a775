// D1 access for watched users: the API's PUT/DELETE/list, and the cron's choice of who is due. Scoped by organisation.

/** Watches a user (or keeps watching), recording the issuer that asked last; true when the watch is new. */
export async function putWatch(db: D1Database, orgId: string, userId: string, issuer: string, now: string): Promise<boolean> {
  const row = await db
    .prepare(
      "INSERT INTO watches (org_id, user_id, created_at, last_checked_at, issuer) VALUES (?1, ?2, ?3, NULL, ?4) ON CONFLICT (org_id, user_id) DO UPDATE SET issuer = excluded.issuer RETURNING created_at",
    )
    .bind(orgId, userId, now, issuer)
    .first<{ created_at: string }>();
  return row?.created_at === now;
}

export async function deleteWatch(db: D1Database, orgId: string, userId: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM watches WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).run();
  return result.meta.changes > 0;
}

export async function listWatches(db: D1Database, orgId: string, limit: number, after: string | undefined): Promise<{ user_id: string; created_at: string; last_checked_at: number | null }[]> {
  const { results } = await db
    .prepare("SELECT user_id, created_at, last_checked_at FROM watches WHERE org_id = ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3")
    .bind(orgId, after ?? "", limit)
    .all<{ user_id: string; created_at: string; last_checked_at: number | null }>();
  return results;
}

export interface DueWatch {
  org_id: string;
  user_id: string;
  issuer: string | null;
}

/** Watches not checked since `checkedBefore` (epoch seconds), oldest first. */
export async function dueWatches(db: D1Database, checkedBefore: number, limit: number): Promise<DueWatch[]> {
  const { results } = await db.prepare("SELECT org_id, user_id, issuer FROM watches WHERE last_checked_at IS NULL OR last_checked_at <= ?1 ORDER BY last_checked_at LIMIT ?2").bind(checkedBefore, limit).all<DueWatch>();
  return results;
}

/** Marks watches as checked now (their check is queued). */
export async function markChecked(db: D1Database, watches: readonly DueWatch[], now: number): Promise<void> {
  await db.batch(watches.map((watch) => db.prepare("UPDATE watches SET last_checked_at = ?3 WHERE org_id = ?1 AND user_id = ?2").bind(watch.org_id, watch.user_id, now)));
}
