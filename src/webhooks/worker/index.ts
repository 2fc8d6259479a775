import { configFor } from "../../config/config.ts";
import { plannedChecksPerMinute } from "../../upstream/budget-policy.ts";
import { backgroundPermits, circuitClient, circuitState, circuitStub, reportCollected } from "../../upstream/circuit.ts";
import type { Outcome } from "../../upstream/circuit-policy.ts";
import { deferWatch, dueByGroup, SHARDS } from "../store/watches.ts";
import { checkUser } from "./check.ts";
import { deliver } from "./deliver.ts";
import { purgeBefore } from "../store/events.ts";
import { resealStale } from "./reseal.ts";
import { sendAll } from "../batches.ts";
import type { CheckMessage, DeliverMessage, WebhookMessage } from "../messages.ts";
import { requeueDelay } from "./retry-schedule.ts";
import { LOOKAHEAD_S, pollMessages, pollShards, SHARDS_PER_POLL } from "./poll.ts";

/** The webhook worker's bindings (wrangler.webhooks.toml); shares D1 and KV with the API worker. */
export interface WebhooksEnv {
  CACHE: KVNamespace;
  DB: D1Database;
  WEBHOOK_QUEUE: Queue<WebhookMessage>;
  WEBHOOK_DEAD_LETTERS: Queue<DeliverMessage>;
  WEBHOOK_POLL_SECONDS: string;
  /** Checks queued a minute at most, in all (default 60,000). */
  WEBHOOK_MAX_CHECKS_PER_MINUTE?: string;
  /** Days events are kept for replay (and delivery attempts for the log); default 30. */
  WEBHOOK_RETENTION_DAYS?: string;
  WEBHOOK_SECRETS_KEY?: string;
  UPSTREAM_CIRCUIT?: DurableObjectNamespace;
  [setting: string]: unknown;
}

export { WebhookOutbox } from "./outbox.ts";
// The upstream circuit breaker lives here; the API worker binds it too (script_name).
export { UpstreamCircuit } from "../../upstream/circuit-object.ts";

/**
 * How many checks a minute's poll runs may queue: WEBHOOK_MAX_CHECKS_PER_MINUTE (default 60,000), and never more than
 * the upstream budget permits background checks in a minute, so when the budget is short every due user has the same
 * chance of it (the cron shares it by due watches), oldest first, instead of checks being turned away at random.
 */
function maxChecksPerMinute(env: WebhooksEnv): number {
  const value = Number(env.WEBHOOK_MAX_CHECKS_PER_MINUTE);
  const setting = Number.isInteger(value) && value >= 1 && value <= 10_000_000 ? value : 60_000;
  return Math.min(setting, plannedChecksPerMinute(configFor(env).upstream.maxRequestsPerSecond));
}

/** How often a check without a permit is queued again before its watch waits for the next run. */
const MAX_REQUEUES = 3;


function retentionDays(env: WebhooksEnv): number {
  const days = Number(env.WEBHOOK_RETENTION_DAYS);
  return Number.isInteger(days) && days >= 1 && days <= 365 ? days : 30;
}

function pollSeconds(env: WebhooksEnv): number {
  return Math.max(60, Number(env.WEBHOOK_POLL_SECONDS) || 120);
}

export default {
  /** Liveness only: the webhook worker has no public API (it is reached through its cron and queue). */
  async fetch(request) {
    if (new URL(request.url).pathname === "/health") return Response.json({ status: "ok" });
    return Response.json(
      { type: "/problems/route-not-found", title: "No such route", status: 404, detail: "The webhook worker answers only /health.", code: "route_not_found" },
      { status: 404, headers: { "content-type": "application/problem+json" } },
    );
  },

  /** Every minute: the watched users not checked for WEBHOOK_POLL_SECONDS, fanned out through the queue by shard. */
  async scheduled(_controller, env, _ctx) {
    const now = Math.floor(Date.now() / 1000);
    const purgedBefore = new Date(Date.now() - retentionDays(env) * 86400_000).toISOString();
    // While the upstream circuit is open, polling pauses: the checks would only be refused (or add to the storm).
    const circuit = await circuitState(circuitStub(env.UPSTREAM_CIRCUIT, configFor(env).upstream.circuit.name));
    const podero = circuit?.background_paused_until ? Date.parse(circuit.background_paused_until) > Date.now() : false;
    if (circuit?.state === "open" || podero) {
      const purged = await purgeBefore(env.DB, purgedBefore);
      const secrets = await resealStale(env.DB, env.WEBHOOK_SECRETS_KEY);
      console.log(JSON.stringify({ level: "info", message: "webhook poll paused", circuit, purged, secrets }));
      return;
    }
    // The due work, fanned out: one poll message per group of shards (each selects, claims and queues its checks).
    // Each message's share of the minute's checks follows how many of its watches are due (one count, by index);
    // without the count (D1 failing for it), shares by size: the minute is polled either way.
    const counted = await dueByGroup(env.DB, now - pollSeconds(env) + LOOKAHEAD_S, SHARDS_PER_POLL).catch(() => undefined);
    const dueInMessage = Array.from({ length: SHARDS / SHARDS_PER_POLL }, (_, index) => counted?.due.get(index) ?? 0);
    await sendAll(env.WEBHOOK_QUEUE, pollMessages(now, counted ? { due: dueInMessage, maxChecksPerMinute: maxChecksPerMinute(env) } : undefined));
    const purged = await purgeBefore(env.DB, purgedBefore);
    const secrets = await resealStale(env.DB, env.WEBHOOK_SECRETS_KEY);
    console.log(JSON.stringify({ level: "info", message: "webhook poll", due: counted ? dueInMessage.reduce((sum, n) => sum + n, 0) : null, rows_read: counted?.rowsRead ?? 0, purged, secrets }));
  },

  /** Checks and deliveries. A message that throws is retried by the queue, then dead-lettered: nothing is dropped unrecorded. */
  async queue(batch, env, ctx) {
    const config = configFor(env);
    const stub = circuitStub(env.UPSTREAM_CIRCUIT, config.upstream.circuit.name);
    // The upstream budget: checks run as far as it permits now (readers keep what they use); the others are queued
    // again seconds later (three times at most, then due again at the next run), and counted.
    const checks = batch.messages.filter((message) => message.body.kind === "check");
    let permits = await backgroundPermits(stub, checks.length, config.upstream.maxRequestsPerSecond);
    let deferred = 0;
    const again: { message: Message<WebhookMessage>; body: CheckMessage }[] = [];
    // How the batch's calls to Podero went, told to the circuit in one request when the batch is done.
    const outcomes: Outcome[] = [];
    // A batch's messages run at once: each waits on Podero, D1 and receivers, not on the CPU, so one invocation's
    // throughput is its batch, not one message at a time (on Cloudflare the consumers scale out besides).
    await Promise.all(
      batch.messages.map(async (message) => {
        const body = message.body;
        const permitted = body.kind !== "check" || permits-- > 0;
        try {
          if (body.kind === "check" && !permitted) {
            // A moment's burst over the budget: the check is queued again a second or a few later (still on time);
            // a budget short for longer: the watch is due again at the next run, and its lag shows in the poll's log.
            deferred += 1;
            if ((body.deferrals ?? 0) < MAX_REQUEUES) return void again.push({ message, body: { ...body, deferrals: (body.deferrals ?? 0) + 1 } });
            await deferWatch(env.DB, body.org_id, body.user_id, Math.floor(Date.now() / 1000) - pollSeconds(env));
            message.ack();
            return;
          }
          const result =
            body.kind === "poll"
              ? await pollShards(body, { db: env.DB, queue: env.WEBHOOK_QUEUE as Queue<CheckMessage>, pollSeconds: pollSeconds(env), maxChecksPerMinute: maxChecksPerMinute(env) })
              : body.kind === "check"
              ? await checkUser(body, {
                  config,
                  db: env.DB,
                  kv: env.CACHE,
                  queue: env.WEBHOOK_QUEUE as Queue<DeliverMessage>,
                  waitUntil: (promise) => ctx.waitUntil(promise),
                  circuit: circuitClient(stub, config.upstream.circuit.name, config.upstream.circuit, (promise) => ctx.waitUntil(promise), { background: true, collect: outcomes }),
                })
              : await deliver(body, { issuers: config.issuers, db: env.DB, queue: env.WEBHOOK_QUEUE as Queue<DeliverMessage>, deadLetters: env.WEBHOOK_DEAD_LETTERS, secretsKey: env.WEBHOOK_SECRETS_KEY });
          console.log(JSON.stringify({ level: "info", message: `webhook ${body.kind}`, ...("org_id" in body ? { org_id: body.org_id } : { shards: `${body.first_shard}+${body.shards}` }), result }));
          message.ack();
        } catch (error) {
          // Only this message is retried (then dead-lettered by the queue): one bad message never holds back the others.
          console.log(JSON.stringify({ level: "error", message: `webhook ${body.kind} failed`, ...("org_id" in body ? { org_id: body.org_id } : {}), error: error instanceof Error ? error.message : String(error), attempts: message.attempts }));
          message.retry();
        }
      }),
    );
    reportCollected(stub, config.upstream.circuit.name, config.upstream.circuit, outcomes, (promise) => ctx.waitUntil(promise));
    try {
      await sendAll(env.WEBHOOK_QUEUE as Queue<CheckMessage>, again.map((entry) => entry.body), requeueDelay);
      for (const entry of again) entry.message.ack();
    } catch {
      for (const entry of again) entry.message.retry(); // not queued again: the queue redelivers the originals
    }
    if (deferred > 0) {
      console.log(JSON.stringify({ level: "info", message: "webhook checks deferred", reason: "upstream budget", deferred, queued_again: again.length, budget_per_s: config.upstream.maxRequestsPerSecond }));
    }
  },
} satisfies ExportedHandler<WebhooksEnv, WebhookMessage>;
