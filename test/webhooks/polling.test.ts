import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { circuitState, circuitStub } from "../../src/upstream/circuit.ts";
import worker, { type WebhooksEnv } from "../../src/webhooks/worker/index.ts";
import { ISSUERS } from "../support/bindings.ts";
import type { CheckMessage } from "../../src/webhooks/messages.ts";
import { pollMessages, pollShards } from "../../src/webhooks/worker/poll.ts";
import { CLAIM_SQL, DUE_BY_GROUP_SQL, DUE_IN_SHARD_SQL, dueByGroup, SHARDS, shardOf } from "../../src/webhooks/store/watches.ts";
import { E, FAKE, pastRefreshThrottle, scheduledRun, until, watch } from "./helpers.ts";

// Polling at scale (issue 11), with small numbers: the due work is found by index, shared fairly between
// organisations, and never checked twice at once. The bench (npm run bench:webhooks) proves the scale.

/** A user id in shard `shard`. */
const userIn = (shard: number) => `${shard.toString(16).padStart(2, "0")}${crypto.randomUUID().slice(2)}`;

/** A queue that records what it is sent (what the check fan-out would queue). */
function recordingQueue() {
  const sent: CheckMessage[] = [];
  const delays: number[] = [];
  const queue = {
    send: async (body: CheckMessage) => void sent.push(body),
    sendBatch: async (batch: { body: CheckMessage; delaySeconds?: number }[]) => {
      sent.push(...batch.map((message) => message.body));
      delays.push(...batch.map((message) => message.delaySeconds ?? 0));
    },
  };
  return { sent, delays, queue: queue as unknown as Queue<CheckMessage> };
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

  it("counts the due watches of each run's message by index, so each message's share follows its due users", async () => {
    const { results } = await E.DB.prepare(`EXPLAIN QUERY PLAN ${DUE_BY_GROUP_SQL}`).bind(1000, 16).all<{ detail: string }>();
    expect(results.map((row) => row.detail).join("\n")).toMatch(/USING COVERING INDEX watches_shard_due/); // no table rows read
    const orgId = crypto.randomUUID();
    await watchesAt(orgId, 0x35, 3, -90_000); // the message of shards 0x30–0x3f
    await watchesAt(orgId, 0xf0, 2, -90_000); // the last one
    const { due } = await dueByGroup(E.DB, -89_000, 16);
    expect([...due.entries()].sort(([a], [b]) => a - b)).toEqual([[3, 3], [15, 2]]);
  });

  it("shares a short minute by how many are due, and an ample one with room to spare", () => {
    const due = [0, 300, ...Array.from({ length: 14 }, () => 100)]; // 1,700 due
    const short = pollMessages(60, { due, maxChecksPerMinute: 850 });
    expect(short.map((message) => message.share)).toEqual([1, 150, ...Array.from({ length: 14 }, () => 50)]);
    expect(short.every((message) => message.paced)).toBe(true);
    const ample = pollMessages(60, { due, maxChecksPerMinute: 3300 });
    expect(ample.map((message) => message.share)).toEqual([100, 400, ...Array.from({ length: 14 }, () => 200)]);
    expect(ample.some((message) => message.paced)).toBe(false);
  });

  it("spreads overdue checks over the minute at the message's pace instead of sending them all at once", async () => {
    const shard = 0x7a;
    const orgId = crypto.randomUUID();
    await watchesAt(orgId, shard, 20, -12_000); // long overdue
    const { delays, queue } = recordingQueue();
    const message = { kind: "poll" as const, first_shard: shard, shards: 1, scheduled_at: -11_000, share: 20 };
    const result = await pollShards(message, { db: E.DB, queue, pollSeconds: 120, maxChecksPerMinute: 60_000, now: -11_000 });
    expect(result.queued).toBe(20);
    // 20 a minute: one every 3 s, from this message's own point of the pace (its first shard's: 0x7a / 256 of 3 s)
    expect([...delays].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, k) => 1 + k * 3));
    const planned = await E.DB.prepare("SELECT last_checked_at FROM watches WHERE org_id = ?1 ORDER BY last_checked_at").bind(orgId).all<{ last_checked_at: number }>();
    expect(planned.results.map((row) => row.last_checked_at)).toEqual(Array.from({ length: 20 }, (_, k) => -11_000 + 1 + k * 3)); // claimed for when they run
  });

  it("lands checks due within the minute on their due times, however close, in every shard of a message, when the budget has room", async () => {
    const orgId = crypto.randomUUID();
    const now = 20_000; // a checked watch has a positive time; others in these shards (other tests') are set aside
    const dueIn = [10, 11, 40]; // due close together: landing each on its due time, not paced apart
    const planned = new Map<string, number>();
    const users: string[][] = [];
    for (const shard of [0x90, 0x91, 0x92, 0x93]) users.push(await watchesAt(orgId, shard, 3, 0));
    for (const [i, userId] of users.flatMap((inShard) => inShard.map((userId, i) => [i, userId] as const))) {
      await E.DB.prepare("UPDATE watches SET last_checked_at = ?3 WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId, now - 120 + dueIn[i]!).run();
      planned.set(userId, dueIn[i]!);
    }
    await E.DB.prepare("UPDATE watches SET last_checked_at = 9999999999 WHERE shard BETWEEN 144 AND 147 AND org_id != ?1").bind(orgId).run();
    const { sent, delays, queue } = recordingQueue();
    const message = { kind: "poll" as const, first_shard: 0x90, shards: 4, scheduled_at: now, share: 12 };
    await pollShards(message, { db: E.DB, queue, pollSeconds: 120, maxChecksPerMinute: 60_000, now });
    expect(sent.map((check, i) => [check.user_id, delays[i]])).toEqual(sent.map((check) => [check.user_id, planned.get(check.user_id)]));
  });

  it("claims a message's watches in a few statements, each finding its rows by primary key", async () => {
    const { results } = await E.DB.prepare(`EXPLAIN QUERY PLAN ${CLAIM_SQL}`).bind("[]").all<{ detail: string }>();
    const plan = results.map((row) => row.detail).join("\n");
    expect(plan).toMatch(/SEARCH watches USING INDEX \S+ \(org_id=\? AND user_id=\?\)/);
    expect(plan).not.toMatch(/SCAN watches/);
  });

  it("paces every check of a shard at its part when the budget is short, never sooner than due", async () => {
    const shard = 0x80; // starts half a pace in: the shards' first checks do not all land in one second
    const orgId = crypto.randomUUID();
    const now = 30_000;
    await watchesAt(orgId, shard, 5, now - 120 + 5); // all due 5 s from now
    await E.DB.prepare("UPDATE watches SET last_checked_at = 9999999999 WHERE shard = ?1 AND org_id != ?2").bind(shard, orgId).run();
    const { delays, queue } = recordingQueue();
    const message = { kind: "poll" as const, first_shard: shard, shards: 1, scheduled_at: now, share: 5, paced: true };
    await pollShards(message, { db: E.DB, queue, pollSeconds: 120, maxChecksPerMinute: 60_000, now });
    expect([...delays].sort((a, b) => a - b)).toEqual([6, 18, 30, 42, 54]); // 5 a minute: one every 12 s, none before due
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

describe("the upstream budget and Podero's own signals", () => {
  const settings = (extra: Record<string, string> = {}) => ({ ...E, UPSTREAM_CIRCUIT_NAME: `budget-${crypto.randomUUID()}`, ...extra }) as unknown as WebhooksEnv;
  const calls = async (userId: string) => ((await (await fetch(`${FAKE}/__fake/users/${userId}`)).json()) as { calls: number }).calls;
  const lastChecked = (orgId: string, userId: string) => E.DB.prepare("SELECT last_checked_at FROM watches WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first<number>("last_checked_at");

  async function runChecks(env: WebhooksEnv, orgId: string, users: string[], deferrals = 0) {
    const ctx = createExecutionContext();
    const messages = users.map((userId, i) => ({ id: `c${i}`, timestamp: new Date(), attempts: 1, body: { kind: "check" as const, org_id: orgId, user_id: userId, issuer: ISSUERS.a, deferrals } }));
    await worker.queue(createMessageBatch("heat-pump-edge-webhooks", messages) as never, env, ctx);
    await waitOnExecutionContext(ctx);
  }

  it("queues a check the budget has no permit for again a moment later, so a burst over it is still checked on time", async () => {
    const orgId = crypto.randomUUID();
    const users = Array.from({ length: 3 }, () => crypto.randomUUID());
    for (const userId of users) await watch(orgId, userId);
    const before = await Promise.all(users.map(calls));
    pastRefreshThrottle();
    await runChecks(settings({ UPSTREAM_MAX_REQUESTS_PER_SECOND: "1" }), orgId, users);
    expect((await Promise.all(users.map(calls))).filter((count, i) => count > before[i]!)).toHaveLength(1); // one permit now
    // The other two were queued again (1–3 s later), and the queue's consumer checks them then.
    const after = await until(() => Promise.all(users.map(calls)), (counts) => counts.every((count, i) => count > before[i]!));
    expect(after.filter((count, i) => count > before[i]!)).toHaveLength(3);
    const checked = await Promise.all(users.map((userId) => lastChecked(orgId, userId)));
    expect(checked).toEqual([0, 0, 0]); // none was put back as due again (never checked before: still 0)
  });

  it("runs background checks only as far as UPSTREAM_MAX_REQUESTS_PER_SECOND permits; after three tries the rest are due again at the next run", async () => {
    const orgId = crypto.randomUUID();
    const users = Array.from({ length: 5 }, () => crypto.randomUUID());
    for (const userId of users) await watch(orgId, userId);
    const before = await Promise.all(users.map(calls)); // each was asked once when watched
    pastRefreshThrottle(); // so each check asks Podero again
    await runChecks(settings({ UPSTREAM_MAX_REQUESTS_PER_SECOND: "2" }), orgId, users, 3);
    const asked = (await Promise.all(users.map(calls))).filter((count, i) => count > before[i]!).length;
    expect(asked).toBe(2);
    const now = Math.floor(Date.now() / 1000) + 5;
    const deferred = (await Promise.all(users.map((userId) => lastChecked(orgId, userId)))).filter((at) => at !== null && at > 0 && at <= now - 120);
    expect(deferred).toHaveLength(3); // due again from the next run
  });

  it("tells the circuit how a batch's calls to Podero went in one request, not one per check", async () => {
    const orgId = crypto.randomUUID();
    const users = Array.from({ length: 4 }, () => crypto.randomUUID());
    for (const userId of users) await watch(orgId, userId);
    const env = settings();
    const namespace = E.UPSTREAM_CIRCUIT as DurableObjectNamespace;
    const reports: number[] = [];
    // The real circuit, with its report requests counted on the way.
    const counted = {
      idFromName: (name: string) => namespace.idFromName(name),
      get: (id: DurableObjectId) => {
        const real = namespace.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
        return new Proxy(real, {
          get: (target, property) => {
            if (typeof property !== "string" || property === "then") return undefined;
            return (...args: unknown[]) => {
              if (property === "report") reports.push((args[0] as unknown[]).length);
              return target[property]!(...args);
            };
          },
        });
      },
    };
    pastRefreshThrottle();
    await runChecks({ ...env, UPSTREAM_CIRCUIT: counted } as unknown as WebhooksEnv, orgId, users);
    expect(reports).toEqual([4]);
    const view = await circuitState(circuitStub(namespace, env.UPSTREAM_CIRCUIT_NAME as string));
    expect(view?.state).toBe("closed");
  });

  /** The test's D1, failing the statements `fails` picks (D1 having a bad moment for one query). */
  const failingDb = (fails: (sql: string) => boolean) =>
    ({
      prepare: (sql: string) => {
        if (fails(sql)) throw new Error("D1_ERROR: a bad moment");
        return E.DB.prepare(sql);
      },
      batch: (statements: D1PreparedStatement[]) => E.DB.batch(statements),
    }) as unknown as D1Database;

  it("still polls the minute when the count of due watches fails: shares by size instead", async () => {
    const { sent, queue } = recordingQueue();
    await scheduledRun({ ...settings(), DB: failingDb((sql) => sql === DUE_BY_GROUP_SQL), WEBHOOK_QUEUE: queue } as unknown as WebhooksEnv);
    const polls = sent as unknown as { kind: string; first_shard: number; share?: number }[];
    expect(polls.filter((message) => message.kind === "poll").map((message) => message.first_shard)).toEqual(Array.from({ length: 16 }, (_, i) => i * 16));
    expect(polls.every((message) => message.share === undefined)).toBe(true);
  });

  it("retries only the check whose deferral D1 failed to record, and settles the rest of the batch", async () => {
    const orgId = crypto.randomUUID();
    const users = [crypto.randomUUID(), crypto.randomUUID()];
    for (const userId of users) await watch(orgId, userId);
    pastRefreshThrottle();
    const env = { ...settings({ UPSTREAM_MAX_REQUESTS_PER_SECOND: "1" }), DB: failingDb((sql) => sql === "UPDATE watches SET last_checked_at = ?3 WHERE org_id = ?1 AND user_id = ?2") } as unknown as WebhooksEnv;
    const ctx = createExecutionContext();
    const messages = users.map((userId, i) => ({ id: `d${i}`, timestamp: new Date(), attempts: 1, body: { kind: "check" as const, org_id: orgId, user_id: userId, issuer: ISSUERS.a, deferrals: 3 } }));
    const batch = createMessageBatch("heat-pump-edge-webhooks", messages);
    await worker.queue(batch as never, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["d0"]); // checked with the one permit
    expect(result.retryMessages.map((retry) => retry.msgId)).toEqual(["d1"]); // no permit, and its deferral failed: the queue tries it again
  });

  it("pauses background polling everywhere for as long as Podero's 429 Retry-After says (queued checks and the cron alike)", async () => {
    const orgId = crypto.randomUUID();
    const [userId, other] = [crypto.randomUUID(), crypto.randomUUID()];
    await watch(orgId, userId);
    await watch(orgId, other);
    await E.DB.prepare("UPDATE watches SET last_checked_at = 0 WHERE org_id = ?1").bind(orgId).run();
    const env = settings();
    await fetch(`${FAKE}/__fake/users/${userId}`, { method: "PUT", body: JSON.stringify({ queue: [{ status: 429, headers: { "retry-after": "120" }, json: { detail: "Slow down." } }] }) });
    pastRefreshThrottle();
    await runChecks(env, orgId, [userId]); // a check meets Podero's 429
    const view = await until(() => circuitState(circuitStub(E.UPSTREAM_CIRCUIT, env.UPSTREAM_CIRCUIT_NAME as string)), (state) => state?.background_paused_until !== undefined);
    expect(Date.parse(view!.background_paused_until!) - Date.now()).toBeGreaterThan(100_000);

    const otherCalls = await calls(other);
    await runChecks(env, orgId, [other]); // already queued checks wait too
    expect(await calls(other)).toBe(otherCalls);
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      await scheduledRun(env); // and the cron queues no polling, saying why
    } finally {
      spy.mockRestore();
    }
    const cron = lines.map((line) => JSON.parse(line) as { message: string; circuit?: { background_paused_until?: string } }).find((line) => line.message.startsWith("webhook poll"));
    expect(cron?.message).toBe("webhook poll paused");
    expect(cron?.circuit?.background_paused_until).toBe(view!.background_paused_until);
  });
});
