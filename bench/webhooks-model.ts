// `npm run bench:webhooks:model`: a model of the webhook worker's polling at scale — its own code (src/webhooks/worker/poll.ts and
// the watch store's SQL, migrations included) against SQLite (what D1 is), on a simulated clock: every minute a cron
// run's 16 poll messages select, claim and queue the due checks; a stand-in for the check consumers runs them within
// the upstream budget (UPSTREAM_MAX_REQUESTS_PER_SECOND a second, in the order concurrent consumers would: shuffled)
// and defers the rest as the worker does. It measures the scheduling — who is checked when, how late, how fair, how
// much D1 work — for 100,000 watches in minutes; it does not measure Cloudflare's throughput (see docs/performance.md).
// Writes bench/results/webhooks-model-latest.json. Settings: BENCH_WATCHES (100000: the large organisation's), BENCH_ORGS
// (10: one large, the others 50 watches each), BENCH_ROUNDS (12 minutes, the first 4 not judged), BENCH_POLL_SECONDS (120).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";

// The worker's modules, imported by URL: src/ is type-checked with the Workers types (tsconfig.json), this file with
// Node's (tsconfig.node.json); here they are plain functions over the D1-shaped stand-in below.
interface CheckMessage {
  org_id: string;
  user_id: string;
}
type D1Database = unknown;
type Queue<_T> = unknown;
type PollMessage = { kind: "poll"; first_shard: number; shards: number; scheduled_at: number };
const { deferWatch, dueByGroup, shardOf } = (await import(new URL("../src/webhooks/store/watches.ts", import.meta.url).href)) as {
  deferWatch: (db: D1Database, orgId: string, userId: string, dueAgainFrom: number) => Promise<void>;
  dueByGroup: (db: D1Database, checkedBefore: number, shardsPerGroup: number) => Promise<{ due: Map<number, number>; rowsRead: number }>;
  shardOf: (userId: string) => number;
};
const { pollMessages, pollShards } = (await import(new URL("../src/webhooks/worker/poll.ts", import.meta.url).href)) as {
  pollMessages: (scheduledAt: number, plan?: { due: readonly number[]; maxChecksPerMinute: number }) => PollMessage[];
  pollShards: (message: PollMessage, deps: { db: D1Database; queue: Queue<CheckMessage>; pollSeconds: number; maxChecksPerMinute: number; now: number }) => Promise<unknown>;
};

const { budgetFor, plannedChecksPerMinute } = (await import(new URL("../src/upstream/budget-policy.ts", import.meta.url).href)) as {
  budgetFor: (checksPerSecond: number) => number;
  plannedChecksPerMinute: (perSecond: number) => number;
};

const WATCHES = Number(process.env.BENCH_WATCHES ?? 100_000);
const ORGS = Number(process.env.BENCH_ORGS ?? 10);
const SMALL = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const WARMUP_ROUNDS = 4;
const POLL_S = Number(process.env.BENCH_POLL_SECONDS ?? 120);

/** D1's statement API over node:sqlite, counting the rows each statement reads (as D1 bills them: rows scanned). */
function d1(db: DatabaseSync) {
  const counters = { rowsRead: 0, rowsWritten: 0 };
  const statement = (sql: string, args: unknown[] = []) => ({
    bind: (...values: unknown[]) => statement(sql, values),
    async all<T>() {
      const results = db.prepare(sql).all(...(args as never[])) as T[];
      counters.rowsRead += results.length;
      return { results, meta: { rows_read: results.length } };
    },
    async first<T>(column?: string) {
      const row = db.prepare(sql).get(...(args as never[])) as Record<string, unknown> | undefined;
      counters.rowsRead += 1;
      return (row === undefined ? null : column ? row[column] : row) as T;
    },
    async run() {
      const info = db.prepare(sql).run(...(args as never[]));
      counters.rowsWritten += Number(info.changes);
      return { meta: { changes: Number(info.changes) } };
    },
    /** For `batch`: UPDATE … RETURNING answers its rows. */
    async batchOne() {
      const results = db.prepare(sql).all(...(args as never[]));
      counters.rowsWritten += results.length;
      return { results };
    },
  });
  const api = {
    prepare: (sql: string) => statement(sql),
    async batch(statements: ReturnType<typeof statement>[]) {
      db.exec("BEGIN");
      try {
        const out = [];
        for (const s of statements) out.push(await s.batchOne());
        db.exec("COMMIT");
        return out;
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
  };
  return { db: api as unknown as D1Database, counters };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function simulate(budgetPerSecond: number) {
  const sqlite = new DatabaseSync(":memory:");
  for (const file of readdirSync("migrations").filter((name) => name.endsWith(".sql")).sort()) sqlite.exec(readFileSync(`migrations/${file}`, "utf8"));
  const { db, counters } = d1(sqlite);
  const orgs = ["large", ...Array.from({ length: ORGS - 1 }, (_, i) => `small-${i}`)];
  const start = 1_800_000_000;
  // A system already running: each watch last checked some time within the last interval.
  const lastCheck = new Map<string, number>();
  const insert = sqlite.prepare("INSERT INTO watches (org_id, user_id, created_at, last_checked_at, issuer, shard) VALUES (?, ?, '2026-11-30T00:00:00Z', ?, 'bench', ?)");
  sqlite.exec("BEGIN");
  for (const org of orgs) {
    for (let i = 0; i < (org === "large" ? WATCHES : SMALL); i++) {
      const user = crypto.randomUUID();
      const at = start - Math.floor(Math.random() * POLL_S);
      insert.run(org, user, at, shardOf(user));
      lastCheck.set(`${org}/${user}`, at);
    }
  }
  sqlite.exec("COMMIT");

  const lags = new Map<string, number[]>(orgs.map((org) => [org === "large" ? "large" : "small", []]));
  let checks = 0;
  let deferred = 0;
  let maxPerSecond = 0;
  const rowsReadPerRound: number[] = [];
  const elapsedMsPerRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const now = start + round * 60;
    const queued: CheckMessage[] = [];
    const delays = new Map<string, number>();
    const queue = {
      sendBatch: async (batch: { body: CheckMessage; delaySeconds?: number }[]) => {
        for (const message of batch) {
          queued.push(message.body);
          delays.set(message.body.user_id, message.delaySeconds ?? 0);
        }
      },
    } as unknown as Queue<CheckMessage>;
    const readBefore = counters.rowsRead;
    const started = performance.now();
    // As the cron does: count the due watches per message, then each message selects, claims and queues its share.
    const maxChecksPerMinute = Math.min(60_000, plannedChecksPerMinute(budgetPerSecond));
    const { due } = await dueByGroup(db, now - POLL_S + 60, 16);
    for (const message of pollMessages(now, { due: Array.from({ length: 16 }, (_, i) => due.get(i) ?? 0), maxChecksPerMinute })) {
      await pollShards(message, { db, queue, pollSeconds: POLL_S, maxChecksPerMinute, now });
    }
    elapsedMsPerRound.push(performance.now() - started);
    rowsReadPerRound.push(counters.rowsRead - readBefore);
    // Consumers run the checks concurrently (so in no particular order), within the budget; the rest are deferred.
    for (let i = queued.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [queued[i], queued[j]] = [queued[j]!, queued[i]!];
    }
    const capacity = budgetPerSecond * 60;
    maxPerSecond = Math.max(maxPerSecond, Math.min(queued.length, capacity) / 60);
    for (const [index, check] of queued.entries()) {
      if (index >= capacity) {
        await deferWatch(db, check.org_id, check.user_id, now - POLL_S);
        deferred += 1;
        continue;
      }
      const key = `${check.org_id}/${check.user_id}`;
      // When the queue delivers it (its delay), plus a consumer's moment; within capacity every second's checks fit.
      const checkedAt = now + delays.get(check.user_id)! + Math.random();
      const due = lastCheck.get(key)! + POLL_S;
      if (round >= WARMUP_ROUNDS) lags.get(check.org_id === "large" ? "large" : "small")!.push(Math.max(0, checkedAt - due));
      lastCheck.set(key, checkedAt);
      checks += 1;
    }
  }
  // Whoever was never checked in the judged rounds is as late as the simulation is long.
  const end = start + ROUNDS * 60;
  for (const [key, at] of lastCheck) if (at + POLL_S < end - 60) lags.get(key.startsWith("large/") ? "large" : "small")!.push(end - (at + POLL_S));
  const all = [...lags.values()].flat();
  return {
    watches: WATCHES + (ORGS - 1) * SMALL,
    orgs: ORGS,
    poll_seconds: POLL_S,
    rounds: ROUNDS,
    budget_per_second: budgetPerSecond,
    checks_per_second: Number((checks / (ROUNDS * 60)).toFixed(1)),
    deferred,
    max_lag_seconds: Number(all.reduce((max, lag) => Math.max(max, lag), 0).toFixed(1)),
    p99_lag_seconds: { large_org: Number(percentile(lags.get("large")!, 99).toFixed(1)), small_orgs: Number(percentile(lags.get("small")!, 99).toFixed(1)) },
    upstream_requests_per_second_max: Number(maxPerSecond.toFixed(1)),
    d1_rows_read_per_round: Math.round(percentile(rowsReadPerRound.slice(WARMUP_ROUNDS), 50)),
    poll_ms_per_round_in_node: Math.round(percentile(elapsedMsPerRound.slice(WARMUP_ROUNDS), 50)),
    keeps_up: all.reduce((max, lag) => Math.max(max, lag), 0) <= POLL_S * 0.1,
  };
}

// What the watches need +10 %, as a budget (what the window and the cron's plan keep back included).
const needed = budgetFor(((WATCHES + (ORGS - 1) * SMALL) / POLL_S) * 1.1);
const log = (line: string) => process.stderr.write(`${line}\n`);
log(`simulating ${WATCHES} + ${(ORGS - 1) * SMALL} watches, budget ${needed}/s …`);
const enough = await simulate(needed);
log(`… and with half that budget (${Math.ceil(needed / 2)}/s)`);
const half = await simulate(Math.ceil(needed / 2));
const result = { at: new Date().toISOString(), enough, half_budget: half };
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/webhooks-model-latest.json", `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
