// D1 access for webhook subscriptions and watches. Every query is scoped by organisation: one organisation
// can never read or change another's rows, whatever id it sends.

export const EVENT_TYPES = ["heat_pump.created", "heat_pump.deleted", "heat_pump.status_changed", "heat_pump.updated"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface SubscriptionRow {
  id: string;
  org_id: string;
  /** The partner issuer whose token created or last repointed it; checked against PARTNER_ISSUERS at delivery. */
  issuer: string | null;
  url: string;
  events: string;
  user_ids: string | null;
  description: string | null;
  enabled: number;
  status: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: number | null;
  consecutive_failures: number;
  created_at: string;
  updated_at: string;
}

export interface Subscription {
  id: string;
  url: string;
  events: EventType[];
  user_ids: string[] | null;
  description: string | null;
  enabled: boolean;
  status: "active" | "failing" | "disabled";
  created_at: string;
  updated_at: string;
}

/** What list and read answers show: never the secret. */
export function publicSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as EventType[],
    user_ids: row.user_ids === null ? null : (JSON.parse(row.user_ids) as string[]),
    description: row.description,
    enabled: row.enabled === 1,
    status: row.status as Subscription["status"],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function insertSubscription(db: D1Database, row: SubscriptionRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO webhook_subscriptions (id, org_id, url, events, user_ids, description, enabled, status, secret, previous_secret, previous_secret_until, consecutive_failures, created_at, updated_at, issuer)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, NULL, 0, ?10, ?10, ?11)`,
    )
    .bind(row.id, row.org_id, row.url, row.events, row.user_ids, row.description, row.enabled, row.status, row.secret, row.created_at, row.issuer)
    .run();
}

export async function findSubscription(db: D1Database, orgId: string, id: string): Promise<SubscriptionRow | null> {
  return db.prepare("SELECT * FROM webhook_subscriptions WHERE org_id = ?1 AND id = ?2").bind(orgId, id).first<SubscriptionRow>();
}

export async function listSubscriptions(db: D1Database, orgId: string, limit: number, after: string | undefined): Promise<SubscriptionRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM webhook_subscriptions WHERE org_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3")
    .bind(orgId, after ?? "", limit)
    .all<SubscriptionRow>();
  return results;
}

export async function updateSubscription(db: D1Database, orgId: string, id: string, changes: Partial<Pick<SubscriptionRow, "issuer" | "url" | "events" | "user_ids" | "description" | "enabled" | "status" | "secret" | "previous_secret" | "previous_secret_until">>, now: string): Promise<void> {
  const fields = Object.keys(changes) as (keyof typeof changes)[];
  if (fields.length === 0) return;
  const assignments = fields.map((field, index) => `${field} = ?${index + 3}`).join(", ");
  await db
    .prepare(`UPDATE webhook_subscriptions SET ${assignments}, updated_at = ?${fields.length + 3} WHERE org_id = ?1 AND id = ?2`)
    .bind(orgId, id, ...fields.map((field) => changes[field] ?? null), now)
    .run();
}

export async function deleteSubscription(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM webhook_subscriptions WHERE org_id = ?1 AND id = ?2").bind(orgId, id).run();
  return result.meta.changes > 0;
}

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
