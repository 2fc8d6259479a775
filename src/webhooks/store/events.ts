// D1 access for the events queued per subscription (kept for replay) and the log of every delivery attempt.

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
export async function purgeBefore(db: D1Database, before: string): Promise<{ events: number; deliveries: number; feed: number }> {
  const [events, deliveries, feed] = await db.batch([
    db.prepare("DELETE FROM webhook_events WHERE created_at < ?1").bind(before),
    db.prepare("DELETE FROM webhook_deliveries WHERE created_at < ?1").bind(before),
    db.prepare("DELETE FROM org_events WHERE created_at < ?1").bind(before),
  ]);
  return { events: events!.meta.changes, deliveries: deliveries!.meta.changes, feed: feed!.meta.changes };
}

export interface AttemptLogRow extends Omit<AttemptRow, "subscription_id"> {
  id: string;
  created_at: string;
}

/**
 * One page of a subscription's delivery log, newest first; `after` is the created_at|id of the last row seen. Only
 * when the subscription is the organisation's (the log has no organisation of its own).
 */
export async function listAttempts(db: D1Database, orgId: string, subscriptionId: string, limit: number, after: string | undefined): Promise<AttemptLogRow[]> {
  const [afterAt, afterId] = (after ?? "").split("|");
  const { results } = await db
    .prepare(
      "SELECT id, event_id, event_type, attempt, response_status, duration_ms, next_retry_at, outcome, created_at FROM webhook_deliveries WHERE subscription_id = ?1 AND (?2 = '' OR created_at < ?2 OR (created_at = ?2 AND id < ?3)) AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = ?1 AND s.org_id = ?5) ORDER BY created_at DESC, id DESC LIMIT ?4",
    )
    .bind(subscriptionId, afterAt ?? "", afterId ?? "", limit, orgId)
    .all<AttemptLogRow>();
  return results;
}

/** When the last delivery attempt was logged (the delivery log's age index answers it). */
export async function latestAttemptAt(db: D1Database): Promise<string | null> {
  const row = await db.prepare("SELECT MAX(created_at) AS at FROM webhook_deliveries").first<{ at: string | null }>();
  return row?.at ?? null;
}
