import { describe, expect, it } from "vitest";
import type { CheckMessage } from "../../src/webhooks/messages.ts";
import { pollMessages, pollShards } from "../../src/webhooks/worker/poll.ts";
import { DUE_IN_SHARD_SQL, SHARDS, shardOf } from "../../src/webhooks/store/watches.ts";
import { E, watch } from "./helpers.ts";

// Polling at scale (issue 11), with small numbers: the due work is found by index, shared fairly between
// organisations, and never checked twice at once. The bench (npm run bench:webhooks) proves the scale.

/** A user id in shard `shard`. */
const userIn = (shard: number) => `${shard.toString(16).padStart(2, "0")}${crypto.randomUUID().slice(2)}`;

/** A queue that records what it is sent (what the check fan-out would queue). */
function recordingQueue() {
  const sent: CheckMessage[] = [];
  const queue = { send: async (body: CheckMessage) => void sent.push(body), sendBatch: async (batch: { body: CheckMessage }[]) => void sent.push(...batch.map((message) => message.body)) };
  return { sent, queue: queue as unknown as Queue<CheckMessage> };
}

/**
 * Watches made through the API, then set as last checked at `checkedAt` (negative: long before anything another test
 * makes), so a run with a matching clock sees only these.
 */
async function watchesAt(orgId: string, shard: number, count: number, checkedAt: number) {
  const users: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = userIn(shard);
    await watch(orgId, userId);
    users.push(userId);
  }
  await E.DB.prepare(`UPDATE watches SET last_checked_at = ?2 WHERE org_id = ?1`).bind(orgId, checkedAt).run();
  return users;
}

describe("polling by shard", () => {
  it("finds a shard's due watches by index (EXPLAIN QUERY PLAN)", async () => {
    const { results } = await E.DB.prepare(`EXPLAIN QUERY PLAN ${DUE_IN_SHARD_SQL}`).bind(7, 1000, 10).all<{ detail: string }>();
    const plan = results.map((row) => row.detail).join("\n");
    expect(plan).toMatch(/SEARCH watches USING (COVERING )?INDEX watches_shard_due \(shard=\? AND last_checked_at<\?\)/);
    expect(plan).not.toMatch(/SCAN watches/);
  });

  it("puts every watch in the shard of its user id, and one run's messages cover every shard once", () => {
    expect(shardOf("ab000000-0000-4000-8000-000000000000")).toBe(0xab);
    const messages = pollMessages(1000);
    const covered = messages.flatMap((message) => Array.from({ length: message.shards }, (_, i) => message.first_shard + i));
    expect(covered).toEqual(Array.from({ length: SHARDS }, (_, i) => i));
  });

  it("shares a run fairly: a large organisation's watches do not delay a small one's by more than a run", async () => {
    const shard = 0x5c;
    const [large, small] = [crypto.randomUUID(), crypto.randomUUID()];
    await watchesAt(large, shard, 30, -5000);
    const smallUsers = await watchesAt(small, shard, 3, -4000); // checked more recently: oldest-first alone would put them last
    const { sent, queue } = recordingQueue();
    const deps = { db: E.DB, queue, pollSeconds: 120, maxChecksPerMinute: SHARDS * 4, now: -1000 }; // 4 a shard a run
    const message = { kind: "poll" as const, first_shard: shard, shards: 1, scheduled_at: -1000 };

    const first = await pollShards(message, deps);
    expect(first.queued).toBe(4);
    expect(sent.filter((check) => check.org_id === small)).toHaveLength(2); // round-robin: large, small, large, small
    expect(first.left).toBe(29); // 28 of the large organisation's, 1 of the small one's: reported
    const second = await pollShards(message, { ...deps, now: -999 });
    expect(second.queued).toBe(4);
    expect(sent.filter((check) => check.org_id === small).map((check) => check.user_id).sort()).toEqual([...smallUsers].sort()); // all of them within two runs
    expect(sent.filter((check) => check.org_id === large)).toHaveLength(5);
  });

  it("never queues one user twice when runs overlap: a watch is claimed by compare-and-set", async () => {
    const shard = 0xe1;
    const orgId = crypto.randomUUID();
    await watchesAt(orgId, shard, 12, -7000);
    const { sent, queue } = recordingQueue();
    const message = { kind: "poll" as const, first_shard: shard, shards: 1, scheduled_at: -3000 };
    const deps = { db: E.DB, queue, pollSeconds: 120, maxChecksPerMinute: SHARDS * 100, now: -3000 };
    const [a, b] = await Promise.all([pollShards(message, deps), pollShards(message, deps)]);
    expect(a.queued + b.queued).toBe(12);
    expect(new Set(sent.map((check) => check.user_id)).size).toBe(12);
    expect(sent).toHaveLength(12);
  });
});
