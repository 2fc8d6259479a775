/**
 * D1 access for the event feed (migration 0006): every detected event once per organisation and event id, in the
 * order stored (`seq`, which D1's single writer hands out in commit order), so a reader that resumes after the last
 * `seq` it saw misses none and sees none twice.
 *
 * @module
 */

export interface FeedRow {
  seq: number;
  event_id: string;
  user_id: string;
  event_type: string;
  payload: string;
}

/** Stores events; an event id the organisation already has (a re-run check) is kept as it was. */
export async function recordFeed(db: D1Database, orgId: string, userId: string, events: readonly { event_id: string; event_type: string; payload: string }[], createdAt: string): Promise<void> {
  for (let start = 0; start < events.length; start += 50) {
    await db.batch(
      events
        .slice(start, start + 50)
        .map((event) =>
          db
            .prepare("INSERT OR IGNORE INTO org_events (org_id, event_id, user_id, event_type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .bind(orgId, event.event_id, userId, event.event_type, event.payload, createdAt),
        ),
    );
  }
}

export const FEED_SQL = "SELECT seq, event_id, user_id, event_type, payload FROM org_events WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";

/**
 * The organisation's events after `afterSeq`, oldest first. With filters (types, a user) it reads on past events
 * that do not match, at most `scanLimit` rows, so a sparse filter still answers quickly; the cursor then moves past
 * what was read.
 */
export async function readFeed(db: D1Database, orgId: string, afterSeq: number, limit: number, filter: { types?: ReadonlySet<string>; userId?: string } = {}): Promise<{ rows: FeedRow[]; lastSeq: number }> {
  const filtered = filter.types !== undefined || filter.userId !== undefined;
  const scanLimit = filtered ? Math.max(limit, 1000) : limit;
  const { results } = await db.prepare(FEED_SQL).bind(orgId, afterSeq, scanLimit).all<FeedRow>();
  const rows: FeedRow[] = [];
  let lastSeq = afterSeq;
  for (const row of results) {
    if (rows.length === limit) break;
    lastSeq = row.seq;
    if ((filter.types && !filter.types.has(row.event_type)) || (filter.userId && row.user_id !== filter.userId)) continue;
    rows.push(row);
  }
  return { rows, lastSeq };
}
