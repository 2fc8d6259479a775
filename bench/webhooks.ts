// `npm run bench:webhooks`: the webhook worker polling in real time — the worker itself under workerd (`wrangler dev`
// on wrangler.webhooks.toml: its cron, queue, D1, KV and the upstream budget's Durable Object) against the fake Podero
// on a real local port (BENCH_LATENCY_MS a call; about 2 % of the users change each poll interval). The watches are
// seeded into its local D1 as a running system's would be (each last checked some time within the last interval), the
// cron is run every minute, and the fake records who was checked when. Locally, past about 20,000 watches at 120 s
// Miniflare's queue runs out of timers for delayed messages (workerd's 10,000): see docs/performance.md. Runs with the budget the watches need
// (+10 % and room for chance bursts), then with half of it. Writes bench/results/webhooks-latest.json.
// Settings: BENCH_WATCHES (100000: the large organisation's), BENCH_ORGS (10: the others 50 watches each),
// BENCH_POLL_SECONDS (120), BENCH_MINUTES (5: cron runs, all judged), BENCH_LATENCY_MS (5), BENCH_HALF (1; 0 skips
// it, "only" runs it alone).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { defaultHeatPumps } from "../dev/fake-podero/fixtures.ts";
import { startFakePodero } from "../dev/fake-podero/server.ts";
import { startWranglerDev } from "../dev/wrangler-dev.ts";

// The worker's own sharding (src/ is type-checked with the Workers types, this file with Node's).
const { budgetFor } = (await import(new URL("../src/upstream/budget-policy.ts", import.meta.url).href)) as { budgetFor: (checksPerSecond: number) => number };
const { shardOf } = (await import(new URL("../src/webhooks/store/watches.ts", import.meta.url).href)) as { shardOf: (userId: string) => number };

const WATCHES = Number(process.env.BENCH_WATCHES ?? 100_000);
const ORGS = Math.max(1, Number(process.env.BENCH_ORGS ?? 10));
const SMALL = 50;
const POLL_S = Number(process.env.BENCH_POLL_SECONDS ?? 120);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 5);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 5);
/** Time for wrangler dev to start before the first cron run (the seeded due times count from then). */
const STARTUP_S = 45;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Watch {
  org: string;
  label: string;
  user: string;
  lastCheckedAt: number;
}

/** About 2 % of the users change each poll interval: each flips its first heat pump's status every 50 intervals. */
function itemsFor(orgId: string, userId: string) {
  const items = defaultHeatPumps(userId, orgId);
  const phase = Number.parseInt(userId.slice(-6), 16) % (50 * POLL_S);
  if (Math.floor((Date.now() / 1000 + phase) / (50 * POLL_S)) % 2 === 1) items[0] = { ...items[0], monitoring_status: "warning" };
  return items;
}

/** CPU seconds used so far by each process of a process group (wrangler dev: Node, and workerd), by "name:pid". */
function groupCpuSeconds(pgid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) byName[`${name}:${pid}`] = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return byName;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round1 = (value: number) => Number(value.toFixed(1));

const calls = new Map<string, number[]>();
const perSecond = new Map<number, number>();
const fake = await startFakePodero({
  latencyMs: LATENCY_MS,
  itemsFor,
  onList: (_org, user) => {
    const now = Date.now() / 1000;
    let times = calls.get(user);
    if (!times) calls.set(user, (times = []));
    times.push(now);
    perSecond.set(Math.floor(now), (perSecond.get(Math.floor(now)) ?? 0) + 1);
  },
});
const issuer = `${fake.url}/__idp/bench`;
const orgs = Array.from({ length: ORGS }, (_, index) => ({ id: crypto.randomUUID(), label: index === 0 ? "large" : `small-${index}`, watches: index === 0 ? WATCHES : SMALL }));
const total = orgs.reduce((sum, org) => sum + org.watches, 0);

async function run(budgetPerSecond: number) {
  calls.clear();
  perSecond.clear();
  const dir = mkdtempSync(join(tmpdir(), "heat-pump-edge-bench-"));
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir, "-c", "wrangler.webhooks.toml"], {
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
  // A running system: each watch last checked some time within the last interval before the first cron run.
  const base = Math.floor(Date.now() / 1000) + STARTUP_S;
  const d1Dir = join(dir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(d1Dir).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite")!;
  const db = new DatabaseSync(join(d1Dir, file));
  const insert = db.prepare("INSERT INTO watches (org_id, user_id, created_at, last_checked_at, issuer, shard) VALUES (?, ?, '2026-11-30T00:00:00Z', ?, ?, ?)");
  const watches: Watch[] = [];
  db.exec("BEGIN");
  for (const org of orgs) {
    for (let i = 0; i < org.watches; i++) {
      const watch = { org: org.id, label: org.label, user: crypto.randomUUID(), lastCheckedAt: base - POLL_S + 1 + Math.floor(Math.random() * POLL_S) };
      insert.run(watch.org, watch.user, watch.lastCheckedAt, issuer, shardOf(watch.user));
      watches.push(watch);
    }
  }
  db.exec("COMMIT");
  db.close();

  const worker = await startWranglerDev({
    config: "wrangler.webhooks.toml",
    testScheduled: true,
    persistTo: dir,
    logLevel: "log",
    vars: {
      ENVIRONMENT: "development",
      UPSTREAM_BASE_URL: fake.url,
      UPSTREAM_API_TOKEN: "fake-upstream-token",
      PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks_uri: `${issuer}/jwks.json`, orgs: orgs.map((org) => org.id) }]),
      WEBHOOK_POLL_SECONDS: String(POLL_S),
      UPSTREAM_MAX_REQUESTS_PER_SECOND: String(budgetPerSecond),
    },
  });
  const startWait = base - Date.now() / 1000;
  if (startWait < 0) log(`wrangler dev took ${Math.round(STARTUP_S - startWait)} s to start: the first checks start late`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startWait) * 1000));
  const cpuBefore = { workerd: groupCpuSeconds(worker.process.pid!), node: process.cpuUsage() };
  for (let minute = 0; minute < MINUTES; minute++) {
    const at = (base + minute * 60) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
    const response = await fetch(`${worker.url}/cdn-cgi/handler/scheduled`);
    log(`cron run ${minute + 1}/${MINUTES}: ${response.status}; ${[...calls.values()].reduce((sum, times) => sum + times.length, 0)} checks so far`);
  }
  const end = base + MINUTES * 60;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, end * 1000 - Date.now())));
  const cpuAfter = groupCpuSeconds(worker.process.pid!);
  const usedBy = Object.entries(cpuAfter).map(([process, after]) => ({ process, seconds: after - (cpuBefore.workerd[process] ?? 0) }));
  const workerd = usedBy.filter((entry) => entry.process.startsWith("workerd:"));
  const used = (name: string) => usedBy.filter((entry) => (entry.process.split(":")[0] === name) === (name !== "other")).reduce((total, entry) => total + entry.seconds, 0);
  const busiestWorkerd = workerd.reduce((max, entry) => Math.max(max, entry.seconds), 0);
  const nodeCpu = process.cpuUsage(cpuBefore.node);
  const output = worker.output();
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(`bench/results/webhooks-worker-${budgetPerSecond}.log`, output);
  await worker.stop();
  rmSync(dir, { recursive: true, force: true });

  // A user's lag: how long after its due time (its previous check + the interval) it was checked; a user still
  // unchecked at the end is as late as the run is long past its due time (beyond the ±10 % tolerance).
  const lags = new Map<string, number[]>(orgs.map((org) => [org.label, []]));
  let early = 0;
  let checks = 0;
  for (const watch of watches) {
    let previous = watch.lastCheckedAt;
    for (const at of (calls.get(watch.user) ?? []).filter((time) => time <= end)) {
      if (at < previous + POLL_S - 1) early += 1;
      lags.get(watch.label)!.push(Math.max(0, at - (previous + POLL_S)));
      previous = at;
      checks += 1;
    }
    if (previous + POLL_S < end - POLL_S * 0.1) lags.get(watch.label)!.push(end - (previous + POLL_S));
  }
  const all = [...lags.values()].flat();
  const maxLag = all.reduce((max, lag) => Math.max(max, lag), 0);
  const logLines = output.split("\n").filter((line) => line.includes('"message":"webhook'));
  // D1 rows read by polling: the cron's count and the poll messages' selections, as D1 reported them.
  const pollLines = logLines.filter((line) => line.includes('"message":"webhook poll"'));
  const rowsRead = pollLines.reduce((sum, line) => sum + Number(/"rows_read":(\d+)/.exec(line)?.[1] ?? 0), 0);
  const deferralLines = logLines.filter((line) => line.includes("checks deferred"));
  const sum = (lines: string[], field: string) => lines.reduce((total, line) => total + Number(new RegExp(`"${field}":(\\d+)`).exec(line)?.[1] ?? 0), 0);
  const queuedAgain = sum(deferralLines, "queued_again");
  const deferred = sum(deferralLines, "deferred") - queuedAgain;
  const judgedSeconds = [...perSecond].filter(([second]) => second >= base && second < end).map(([, count]) => count);
  const smallLags = orgs.slice(1).flatMap((org) => lags.get(org.label)!);
  return {
    watches: total,
    orgs: ORGS,
    poll_seconds: POLL_S,
    rounds: MINUTES,
    budget_per_second: budgetPerSecond,
    upstream_latency_ms: LATENCY_MS,
    checks,
    checks_per_second: round1(checks / (end - base)),
    checks_needed_per_second: round1(total / POLL_S),
    checks_early: early,
    /** Checks the budget had no permit for: queued again seconds later, or (after three tries) due at the next run. */
    checks_queued_again: queuedAgain,
    checks_deferred_to_next_run: deferred,
    max_lag_seconds: round1(maxLag),
    p99_lag_seconds: Object.fromEntries(orgs.map((org) => [org.label, round1(percentile(lags.get(org.label)!, 99))])),
    p99_lag_seconds_small_orgs: round1(percentile(smallLags, 99)),
    upstream_requests_per_second_max: judgedSeconds.reduce((max, count) => Math.max(max, count), 0),
    d1_rows_read_per_round: Math.round(rowsRead / MINUTES),
    cpu_seconds: {
      workerd: round1(used("workerd")),
      workerd_busiest_process: round1(busiestWorkerd),
      workerd_processes: workerd.length,
      wrangler_node: round1(usedBy.filter((entry) => !entry.process.startsWith("workerd:")).reduce((total, entry) => total + entry.seconds, 0)),
      fake_podero_and_bench: round1((nodeCpu.user + nodeCpu.system) / 1e6),
      wall: end - base,
      cores: cpus().length,
    },
    workerd_cpu_ms_per_check: checks > 0 ? round1((used("workerd") * 1000) / checks) : null,
    busiest_workerd_cpu_ms_per_check: checks > 0 ? round1((busiestWorkerd * 1000) / checks) : null,
    keeps_up: maxLag <= POLL_S * 0.1,
    /** The worker's error lines (failed messages), and whether the local queue ran out of timers (see above). */
    worker_errors: logLines.filter((line) => line.includes('"level":"error"')).length,
    local_queue_out_of_timers: output.includes("max active timeouts"),
  };
}

// What the watches need, +10 % and room for a second's chance bursts (due times fall at random: about √n of n a
// second), as a budget (what the window and the cron's plan keep back included); the half run gets half of that.
const needed = budgetFor((total / POLL_S) * 1.1 + 3 * Math.sqrt(total / POLL_S));
log(`${total} watches (${ORGS} organisations), every ${POLL_S} s, for ${MINUTES} cron runs in real time; budget ${needed}/s …`);
// BENCH_HALF=only runs the half budget alone (and reports it as the run).
const enough = process.env.BENCH_HALF === "only" ? undefined : await run(needed);
if (enough) log(JSON.stringify(enough));
let half: Awaited<ReturnType<typeof run>> | undefined;
if (process.env.BENCH_HALF !== "0") {
  log(`… and with half that budget (${Math.ceil(needed / 2)}/s)`);
  half = await run(Math.ceil(needed / 2));
}
await fake.close();
const result = { at: new Date().toISOString(), ...(enough ?? half), half_budget: half };
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/webhooks-latest.json", `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
