/**
 * Polling at scale: the cron fans the due work out as poll messages, one per group of shards; each selects its
 * shards' due watches — fairly between organisations, by index — claims them (compare-and-set, so overlapping runs
 * never check a user twice) and queues their checks, each delayed to its due time. A message takes at most its share
 * of `maxChecksPerMinute` (the cron's, by due watches); what it leaves is counted, with the lag of the oldest, in its
 * log line.
 *
 * @module
 */
import { sendAll } from "../batches.ts";
import type { CheckMessage, PollMessage } from "../messages.ts";
import { claimWatches, dueBacklog, dueInShard, SHARDS, type DueWatch } from "../store/watches.ts";

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
  /** Rows D1 read for the selection (as it bills them): the cost of finding the due work. */
  rows_read: number;
}

/**
 * The poll messages of one cron run. With the due watches per message (`due[i]`, counted by the cron), each gets a
 * share of `maxChecksPerMinute` by how many of its watches are due — so when the budget is short every due user has
 * the same chance, however the users fall into shards — and when the budget is enough, all its due ones and an even
 * part of the room left (for those falling due between the count and the message's run).
 */
export function pollMessages(scheduledAt: number, plan?: { due: readonly number[]; maxChecksPerMinute: number }): PollMessage[] {
  const count = SHARDS / SHARDS_PER_POLL;
  const due = Array.from({ length: count }, (_, index) => Math.max(0, plan?.due[index] ?? 0));
  const total = due.reduce((sum, n) => sum + n, 0);
  const max = plan?.maxChecksPerMinute ?? 0;
  const shareOf = (index: number) => (total <= max ? due[index]! + Math.floor((max - total) / count) : Math.floor((max * due[index]!) / total));
  return due.map((_, index) => ({
    kind: "poll" as const,
    first_shard: index * SHARDS_PER_POLL,
    shards: SHARDS_PER_POLL,
    scheduled_at: scheduledAt,
    ...(plan ? { share: Math.max(1, shareOf(index)), paced: total > max } : {}),
  }));
}

/** A cron run every minute: a run plans the checks due before the next one. */
export const LOOKAHEAD_S = 60;

export async function pollShards(message: PollMessage, deps: PollDeps): Promise<PollResult> {
  const now = deps.now ?? Math.floor(Date.now() / 1000);
  // Due before the next run: each check is queued with a delay that lands it on its due time (a watch checked at t
  // is checked again at t + WEBHOOK_POLL_SECONDS, not up to a minute later), and claimed as checked then.
  const checkedBefore = now - deps.pollSeconds + LOOKAHEAD_S;
  const result: PollResult = { queued: 0, left: 0, max_lag_s: 0, backlog_lag_s: 0, rows_read: 0 };
  const first = Math.max(0, message.first_shard);
  const shards = Array.from({ length: Math.max(0, Math.min(SHARDS, first + message.shards) - first) }, (_, i) => first + i);
  // This message's share of the minute's checks: first an even part to every shard, then what is left to the shards
  // that had more due (starting at another one each run), so a short budget is shared by all shards alike.
  let remaining = Math.max(1, Math.min(deps.maxChecksPerMinute, message.share ?? Math.ceil((deps.maxChecksPerMinute * shards.length) / SHARDS)));
  const even = Math.max(1, Math.floor(remaining / Math.max(1, shards.length)));

  // Checks are spread over the minute instead of sent at once only to meet the budget's refusal. When the minute has
  // room, a check due within it lands on its due time and only overdue ones (a paused Podero, new watches) are spread,
  // at the message's share. When the budget is short (`paced`), every check of a shard is spread at its even part —
  // never sooner than due, never faster — so the budget is spent evenly, not refused.
  const messagePace = LOOKAHEAD_S / remaining;
  const shardPace = LOOKAHEAD_S / even;
  // Each message and each shard starts its slots at its own point of the pace, so the 16 messages' and 256 shards'
  // first checks do not all land in the same second (where the budget would refuse most of them).
  const phase = (shard: number, pace: number) => (shard / SHARDS) * pace;
  let overdue = 0;
  const slots = new Map<number, number>();
  const key = (watch: { org_id: string; user_id: string }) => `${watch.org_id}/${watch.user_id}`;
  const latest = LOOKAHEAD_S - 1;
  const take = async (shard: number, limit: number): Promise<boolean> => {
    const { watches: due, rowsRead } = await dueInShard(deps.db, shard, checkedBefore, limit);
    result.rows_read += rowsRead;
    const dueAt = (watch: DueWatch) => (watch.last_checked_at > 0 ? watch.last_checked_at + deps.pollSeconds : now);
    let slot = slots.get(shard) ?? 0;
    const plan = (watch: DueWatch) =>
      message.paced
        ? Math.max(dueAt(watch), now + Math.min(latest, Math.floor(phase(shard, shardPace) + slot++ * shardPace)))
        : dueAt(watch) > now
        ? dueAt(watch)
        : now + Math.min(latest, Math.floor(phase(first, messagePace) + overdue++ * messagePace));
    const plannedAt = new Map(due.map((watch) => [key(watch), plan(watch)]));
    slots.set(shard, slot);
    const claimed = await claimWatches(deps.db, due, now, (watch) => plannedAt.get(key(watch))!);
    await sendAll(
      deps.queue,
      claimed.map((watch): CheckMessage => ({ kind: "check", org_id: watch.org_id, user_id: watch.user_id, issuer: watch.issuer })),
      (check) => Math.min(LOOKAHEAD_S, Math.max(0, plannedAt.get(key(check))! - now)),
    );
    result.queued += claimed.length;
    remaining -= claimed.length;
    for (const watch of claimed) result.max_lag_s = Math.max(result.max_lag_s, plannedAt.get(key(watch))! - dueAt(watch));
    return due.length === limit; // more may be due
  };

  const more: number[] = [];
  for (const shard of shards) if (await take(shard, Math.min(even, remaining))) more.push(shard);
  const start = more.length > 0 ? Math.floor(now / 60) % more.length : 0;
  const rotated = [...more.slice(start), ...more.slice(0, start)];
  const stillMore: number[] = [];
  for (const shard of rotated) {
    if (remaining <= 0 || (await take(shard, remaining))) stillMore.push(shard);
  }
  for (const shard of stillMore) {
    const backlog = await dueBacklog(deps.db, shard, now - deps.pollSeconds);
    result.left += backlog.due;
    result.rows_read += backlog.rowsRead;
    if (backlog.oldest) result.backlog_lag_s = Math.max(result.backlog_lag_s, now - deps.pollSeconds - backlog.oldest);
  }
  return result;
}
