/**
 * Polling at scale: the cron fans the due work out as poll messages, one per group of shards; each selects its
 * shards' due watches — fairly between organisations, by index — claims them (compare-and-set, so overlapping runs
 * never check a user twice) and queues their checks. A run takes at most `maxChecksPerMinute / 256` watches a shard;
 * what it leaves is counted, with the lag of the oldest, in its log line.
 *
 * @module
 */
import { sendAll } from "../batches.ts";
import type { CheckMessage, PollMessage } from "../messages.ts";
import { claimWatches, dueBacklog, dueInShard, SHARDS } from "../store/watches.ts";

/** Shards per poll message: 16 messages a minute cover the 256 shards. */
export const SHARDS_PER_POLL = 16;

export interface PollDeps {
  db: D1Database;
  queue: Queue<CheckMessage>;
  pollSeconds: number;
  /** WEBHOOK_MAX_CHECKS_PER_MINUTE: how many checks a minute's runs may queue in all. */
  maxChecksPerMinute: number;
  now?: number;
}

export interface PollResult {
  queued: number;
  /** Due watches left for the next run (when a shard had more than its share). */
  left: number;
  /** The worst lag among the watches queued now: seconds past their due time. */
  max_lag_s: number;
  /** The oldest due watch left behind: seconds past its due time. */
  backlog_lag_s: number;
}

/** The poll messages of one cron run. */
export function pollMessages(scheduledAt: number): PollMessage[] {
  return Array.from({ length: SHARDS / SHARDS_PER_POLL }, (_, index) => ({ kind: "poll" as const, first_shard: index * SHARDS_PER_POLL, shards: SHARDS_PER_POLL, scheduled_at: scheduledAt }));
}

export async function pollShards(message: PollMessage, deps: PollDeps): Promise<PollResult> {
  const now = deps.now ?? Math.floor(Date.now() / 1000);
  const perShard = Math.max(1, Math.ceil(deps.maxChecksPerMinute / SHARDS));
  const checkedBefore = now - deps.pollSeconds;
  const result: PollResult = { queued: 0, left: 0, max_lag_s: 0, backlog_lag_s: 0 };
  const last = Math.min(SHARDS, message.first_shard + message.shards);
  for (let shard = Math.max(0, message.first_shard); shard < last; shard++) {
    const due = await dueInShard(deps.db, shard, checkedBefore, perShard);
    const claimed = await claimWatches(deps.db, due, now);
    await sendAll(deps.queue, claimed.map((watch): CheckMessage => ({ kind: "check", org_id: watch.org_id, user_id: watch.user_id, issuer: watch.issuer })));
    result.queued += claimed.length;
    for (const watch of claimed) if (watch.last_checked_at > 0) result.max_lag_s = Math.max(result.max_lag_s, checkedBefore - watch.last_checked_at);
    if (due.length === perShard) {
      const backlog = await dueBacklog(deps.db, shard, checkedBefore);
      result.left += backlog.due;
      if (backlog.oldest) result.backlog_lag_s = Math.max(result.backlog_lag_s, checkedBefore - backlog.oldest);
    }
  }
  return result;
}
