// D1 access for webhook subscriptions and watches. Every query is scoped by organisation: one organisation
// can never read or change another's rows, whatever id it sends.

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

/** The enabled subscriptions of an organisation: who may receive an event there. */
export async function activeSubscriptions(db: D1Database, orgId: string): Promise<SubscriptionRow[]> {
  const { results } = await db.prepare("SELECT * FROM webhook_subscriptions WHERE org_id = ?1 AND enabled = 1 AND status != 'disabled'").bind(orgId).all<SubscriptionRow>();
  return results;
}

export interface Snapshot {
  heat_pumps: string;
  taken_at: string;
}

export async function readSnapshot(db: D1Database, orgId: string, userId: string): Promise<Snapshot | null> {
  return db.prepare("SELECT heat_pumps, taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first<Snapshot>();
}

/**
 * Moves the snapshot from `previousTakenAt` (null: there was none) to this one, only if nobody moved it since:
 * of two checks of one user racing, the second finds the snapshot moved and changes nothing. True when moved.
 */
export async function advanceSnapshot(db: D1Database, orgId: string, userId: string, heatPumps: string, takenAt: string, previousTakenAt: string | null): Promise<boolean> {
  const result = await db
    .prepare(
      "INSERT INTO snapshots (org_id, user_id, heat_pumps, taken_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (org_id, user_id) DO UPDATE SET heat_pumps = excluded.heat_pumps, taken_at = excluded.taken_at WHERE snapshots.taken_at IS ?5",
    )
    .bind(orgId, userId, heatPumps, takenAt, previousTakenAt)
    .run();
  return result.meta.changes > 0;
}

export interface EventRow {
  subscription_id: string;
  event_id: string;
  org_id: string;
  event_type: string;
  payload: string;
  created_at: string;
}

/** Keeps each queued (subscription, event) for replay; the same event twice is kept once (its id is its identity). */
export async function recordEvents(db: D1Database, rows: readonly EventRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 50) {
    await db.batch(
      rows
        .slice(start, start + 50)
        .map((row) =>
          db
            .prepare("INSERT OR IGNORE INTO webhook_events (subscription_id, event_id, org_id, event_type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .bind(row.subscription_id, row.event_id, row.org_id, row.event_type, row.payload, row.created_at),
        ),
    );
  }
}

export type DeliveryOutcome = "delivered" | "retrying" | "disabled" | "dead-lettered" | "cancelled";

export interface AttemptRow {
  subscription_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  response_status: number | null;
  duration_ms: number | null;
  next_retry_at: string | null;
  outcome: DeliveryOutcome;
}

/** Every attempt is logged, including a cancelled one (subscription gone, disabled, unsubscribed, issuer removed). */
export async function logAttempt(db: D1Database, row: AttemptRow): Promise<void> {
  await db
    .prepare(
      "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, attempt, response_status, duration_ms, next_retry_at, outcome, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(crypto.randomUUID(), row.subscription_id, row.event_id, row.event_type, row.attempt, row.response_status, row.duration_ms, row.next_retry_at, row.outcome, new Date().toISOString())
    .run();
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

/** A subscription's kept events in `[since, until)`, oldest first; `onlyFailed`: those with no delivered attempt. */
export async function eventsToReplay(db: D1Database, orgId: string, subscriptionId: string, window: { since: string; until: string; onlyFailed: boolean; limit: number }): Promise<EventRow[]> {
  const { results } = await db
    .prepare(
      `SELECT e.* FROM webhook_events e WHERE e.org_id = ?1 AND e.subscription_id = ?2 AND e.created_at >= ?3 AND e.created_at < ?4
       AND (?5 = 0 OR NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = e.subscription_id AND d.event_id = e.event_id AND d.outcome = 'delivered'))
       ORDER BY e.created_at, e.event_id LIMIT ?6`,
    )
    .bind(orgId, subscriptionId, window.since, window.until, window.onlyFailed ? 1 : 0, window.limit)
    .all<EventRow>();
  return results;
}

/** Forgets events and delivery attempts older than `before` (ISO 8601): the retention the cron keeps. */
export async function purgeBefore(db: D1Database, before: string): Promise<{ events: number; deliveries: number }> {
  const [events, deliveries] = await db.batch([
    db.prepare("DELETE FROM webhook_events WHERE created_at < ?1").bind(before),
    db.prepare("DELETE FROM webhook_deliveries WHERE created_at < ?1").bind(before),
  ]);
  return { events: events!.meta.changes, deliveries: deliveries!.meta.changes };
}
