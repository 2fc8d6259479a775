// D1 access for webhook subscriptions. Every query is scoped by organisation: one organisation can never read or
// change another's rows, whatever id it sends. Nothing else writes SQL for this table.

export const EVENT_TYPES = ["heat_pump.created", "heat_pump.deleted", "heat_pump.status_changed", "heat_pump.updated", "heat_pump.action_required"] as const;

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

export async function updateSubscription(db: D1Database, orgId: string, id: string, changes: Partial<Pick<SubscriptionRow, "issuer" | "consecutive_failures" | "url" | "events" | "user_ids" | "description" | "enabled" | "status" | "secret" | "previous_secret" | "previous_secret_until">>, now: string): Promise<void> {
  const fields = Object.keys(changes) as (keyof typeof changes)[];
  if (fields.length === 0) return;
  const assignments = fields.map((field, index) => `${field} = ?${index + 3}`).join(", ");
  await db
    .prepare(`UPDATE webhook_subscriptions SET ${assignments}, updated_at = ?${fields.length + 3} WHERE org_id = ?1 AND id = ?2`)
    .bind(orgId, id, ...fields.map((field) => changes[field] ?? null), now)
    .run();
}

/** How many subscriptions an organisation has (its quota). */
export async function countSubscriptions(db: D1Database, orgId: string): Promise<number> {
  return (await db.prepare("SELECT count(*) AS n FROM webhook_subscriptions WHERE org_id = ?1").bind(orgId).first<number>("n")) ?? 0;
}

export async function deleteSubscription(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM webhook_subscriptions WHERE org_id = ?1 AND id = ?2").bind(orgId, id).run();
  return result.meta.changes > 0;
}

/** The enabled subscriptions of an organisation: who may receive an event there. */
export async function activeSubscriptions(db: D1Database, orgId: string): Promise<SubscriptionRow[]> {
  const { results } = await db.prepare("SELECT * FROM webhook_subscriptions WHERE org_id = ?1 AND enabled = 1 AND status != 'disabled'").bind(orgId).all<SubscriptionRow>();
  return results;
}

/** A delivered event is a fresh start: the failure count goes back to zero. */
export async function markDelivered(db: D1Database, orgId: string, id: string): Promise<void> {
  await db.prepare("UPDATE webhook_subscriptions SET consecutive_failures = 0, status = 'active' WHERE org_id = ?1 AND id = ?2 AND (consecutive_failures > 0 OR status = 'failing')").bind(orgId, id).run();
}

/** The receiver answered 410 Gone. */
export async function disableSubscription(db: D1Database, orgId: string, id: string, now: string): Promise<void> {
  await db.prepare("UPDATE webhook_subscriptions SET enabled = 0, status = 'disabled', updated_at = ?3 WHERE org_id = ?1 AND id = ?2").bind(orgId, id, now).run();
}

/** One more event dead-lettered: `failing`, and disabled after `disableAfter` in a row. */
export async function markDeadLettered(db: D1Database, orgId: string, id: string, disableAfter: number): Promise<void> {
  await db
    .prepare(
      "UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1, status = CASE WHEN consecutive_failures + 1 >= ?3 THEN 'disabled' ELSE 'failing' END, enabled = CASE WHEN consecutive_failures + 1 >= ?3 THEN 0 ELSE enabled END WHERE org_id = ?1 AND id = ?2",
    )
    .bind(orgId, id, disableAfter)
    .run();
}

/** Claims this minute's replay of a subscription; false when one ran less than `intervalS` ago. */
export async function claimReplay(db: D1Database, orgId: string, id: string, nowS: number, intervalS: number): Promise<boolean> {
  const result = await db
    .prepare("UPDATE webhook_subscriptions SET last_replay_at = ?3 WHERE org_id = ?1 AND id = ?2 AND (last_replay_at IS NULL OR last_replay_at <= ?3 - ?4)")
    .bind(orgId, id, nowS, intervalS)
    .run();
  return result.meta.changes > 0;
}

/**
 * Does the subscription ask for this event type (and, when given, this user)? One rule for choosing receivers at
 * detection and for cancelling a pending delivery when the subscription changed since. `webhook.test` always is.
 */
export function subscriptionWants(row: SubscriptionRow, eventType: string, userId?: string): boolean {
  const types = JSON.parse(row.events) as string[];
  const users = row.user_ids === null ? null : (JSON.parse(row.user_ids) as string[]);
  const typeWanted = eventType === "webhook.test" || types.length === 0 || types.includes(eventType);
  return typeWanted && (userId === undefined || users === null || users.includes(userId));
}

/** Subscriptions whose secret or previous secret is not sealed under the key with id `keyId` (after a key rotation). */
export async function sealedUnderOtherKeys(db: D1Database, keyId: string, limit: number): Promise<Pick<SubscriptionRow, "id" | "org_id" | "secret" | "previous_secret">[]> {
  const current = `k1.${keyId}.%`;
  const { results } = await db
    .prepare("SELECT id, org_id, secret, previous_secret FROM webhook_subscriptions WHERE secret NOT LIKE ?1 OR (previous_secret IS NOT NULL AND previous_secret NOT LIKE ?1) LIMIT ?2")
    .bind(current, limit)
    .all<Pick<SubscriptionRow, "id" | "org_id" | "secret" | "previous_secret">>();
  return results;
}

/** Stores secrets sealed anew, unless the row changed meanwhile (a rotation through the API wins). */
export async function replaceSealedSecrets(db: D1Database, row: Pick<SubscriptionRow, "id" | "org_id" | "secret" | "previous_secret">, secret: string, previous: string | null): Promise<boolean> {
  const result = await db
    .prepare("UPDATE webhook_subscriptions SET secret = ?3, previous_secret = ?4 WHERE org_id = ?1 AND id = ?2 AND secret = ?5 AND previous_secret IS ?6")
    .bind(row.org_id, row.id, secret, previous, row.secret, row.previous_secret)
    .run();
  return result.meta.changes > 0;
}
