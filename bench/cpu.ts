// Worker CPU per request, measured on the deployable bundle itself: `wrangler deploy --dry-run --minify` builds it,
// Node imports it and calls its fetch handler directly (no HTTP server, no load generator in the measured process),
// and process.cpuUsage() (user + system) over thousands of requests, in rounds interleaved across scenarios, gives
// µs per request; medians of the rounds. The marginal cost of a scenario is its CPU beyond `/health`'s, and the
// budgets are ratios within the run (issue 12): hit ≤ 0.25 × cache-off, 304 ≤ 0.15 × cache-off.
// Under `wrangler dev` the proxy in front of workerd swamps these figures; in Node they are the worker's own.
// The fake Podero runs in a process of its own (0 ms latency), so its CPU is not counted; the KV is an in-memory
// stand-in with KV's semantics for what the worker uses (get with a type, put with an expiry).
// `npm run bench:cpu` (also part of `npm run bench`). Settings: BENCH_CPU_ROUNDS (9), BENCH_CPU_REQUESTS (1000).
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { newEmbedSigningKey } from "../dev/keys.ts";
import { freePort } from "../dev/wrangler-dev.ts";

export interface CpuScenario {
  id: string;
  name: string;
  /** Median µs of CPU per request. */
  us: number;
  /** Beyond /health's. */
  marginalUs: number;
}

export interface CpuFigures {
  scenarios: CpuScenario[];
  hitMarginalRatio: number;
  notModifiedMarginalRatio: number;
}

type Fetch = (request: Request, env: Record<string, unknown>, ctx: { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void }) => Promise<Response>;

/** KV as the worker uses it: get (text or json), put with expirationTtl, delete; values kept as strings. */
function memoryKv() {
  const values = new Map<string, string>();
  return {
    async get(key: string, type?: string | { type?: string }) {
      const value = values.get(key);
      if (value === undefined) return null;
      return (typeof type === "string" ? type : type?.type) === "json" ? JSON.parse(value) : value;
    },
    async put(key: string, value: string) {
      values.set(key, value);
    },
    async delete(key: string) {
      values.delete(key);
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function measureCpu(log: (line: string) => void = () => undefined): Promise<CpuFigures> {
  const rounds = Number(process.env.BENCH_CPU_ROUNDS ?? 9);
  const perRound = Number(process.env.BENCH_CPU_REQUESTS ?? 1000);

  const out = mkdtempSync(join(tmpdir(), "hpe-cpu-"));
  // BENCH_CPU_MINIFY=false builds without minifying: readable names for a CPU profile (node --cpu-prof).
  const minify = process.env.BENCH_CPU_MINIFY === "false" ? [] : ["--minify"];
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", ...minify, "--outdir", out], { stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  copyFileSync(join(out, "index.js"), join(out, "index.mjs"));
  const worker = ((await import(pathToFileURL(join(out, "index.mjs")).href)) as { default: { fetch: Fetch } }).default;

  const fakePort = await freePort();
  const fake = spawn(process.execPath, ["dev/fake-podero/main.ts", String(fakePort)], { env: { ...process.env, FAKE_PODERO_LATENCY_MS: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => fake.stdout!.once("data", () => resolve()));
  try {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const issuer = "https://bench-issuer.example";
    const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256" };
    const base = {
      ENVIRONMENT: "development",
      UPSTREAM_BASE_URL: `http://127.0.0.1:${fakePort}`,
      UPSTREAM_API_TOKEN: "fake-upstream-token",
      PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks: { keys: [jwk] }, orgs: "*" }]),
      RATE_LIMIT_REQUESTS: "0",
      EMBED_SIGNING_KEY: await newEmbedSigningKey(),
      CACHE: memoryKv(),
    };
    const cached = base;
    const uncached = { ...base, CACHE_ENABLED: "false" };
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ org_id: orgId, scope: "heat_pumps:read embeds:write" })
      .setProtectedHeader({ alg: "ES256", kid: "bench" })
      .setIssuer(issuer)
      .setAudience("heat-pump-edge")
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);

    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise.catch(() => undefined)), passThroughOnException: () => undefined };
    const call = async (env: Record<string, unknown>, path: string, init: RequestInit = {}) => {
      const response = await worker.fetch(new Request(`https://edge.example${path}`, init), env, ctx);
      const text = await response.text();
      await Promise.all(pending.splice(0));
      return { status: response.status, headers: response.headers, text };
    };
    const auth = { authorization: `Bearer ${token}` };
    const list = `/v1/orgs/${orgId}/users/${userId}/heat-pumps`;
    const first = await call(cached, list, { headers: auth });
    const etag = first.headers.get("etag")!;
    const exchanged = await call(cached, `/v1/orgs/${orgId}/users/${userId}/embed-tokens`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ origins: ["https://app.partner.example"], ttl_seconds: 3600 }),
    });
    const embed = (JSON.parse(exchanged.text) as { token: string }).token;

    const scenarios: { id: string; name: string; run: () => Promise<{ status: number; text: string }>; status: number }[] = [
      { id: "1", name: "GET /health (floor)", run: () => call(cached, "/health"), status: 200 },
      { id: "2a", name: "hit, view=full", run: () => call(cached, list, { headers: auth }), status: 200 },
      { id: "2b", name: "hit, view=compact", run: () => call(cached, `${list}?view=compact`, { headers: auth }), status: 200 },
      { id: "3", name: "conditional, 304", run: () => call(cached, list, { headers: { ...auth, "if-none-match": etag } }), status: 304 },
      { id: "5", name: "cache off: fetch and forward (upstream 0 ms)", run: () => call(uncached, list, { headers: auth }), status: 200 },
      { id: "7", name: "the card (GET /embed/heat-pumps)", run: () => call(cached, `/embed/heat-pumps?token=${embed}`), status: 200 },
      { id: "8", name: "widget data (GET /v1/embed/heat-pumps)", run: () => call(cached, "/v1/embed/heat-pumps", { headers: { authorization: `Bearer ${embed}` } }), status: 200 },
    ];
    // BENCH_CPU_ONLY=2a,3 measures only those (e.g. under a profiler).
    const only = process.env.BENCH_CPU_ONLY?.split(",");
    if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter((scenario) => scenario.id === "1" || only.includes(scenario.id)));
    // The request log line is the worker's work (it builds it); writing it to this terminal is not.
    const print = console.log;
    console.log = () => undefined;
    const samples = new Map<string, number[]>(scenarios.map((scenario) => [scenario.id, []]));
    try {
      for (const scenario of scenarios) {
        for (let i = 0; i < 200; i++) {
          const response = await scenario.run();
          if (response.status !== scenario.status) throw new Error(`${scenario.name}: ${response.status} ${response.text}`);
        }
      }
      for (let round = 0; round < rounds; round++) {
        for (const scenario of scenarios) {
          const before = process.cpuUsage();
          for (let i = 0; i < perRound; i++) await scenario.run();
          const used = process.cpuUsage(before);
          samples.get(scenario.id)!.push((used.user + used.system) / perRound);
        }
        log(`  cpu round ${round + 1}/${rounds}`);
      }
    } finally {
      console.log = print;
    }
    const floor = median(samples.get("1")!);
    const results = scenarios.map((scenario) => {
      const us = median(samples.get(scenario.id)!);
      return { id: scenario.id, name: scenario.name, us, marginalUs: us - floor };
    });
    const marginal = (id: string) => results.find((result) => result.id === id)?.marginalUs ?? Number.NaN;
    const hit = Math.max(marginal("2a"), marginal("2b"));
    return { scenarios: results, hitMarginalRatio: hit / marginal("5"), notModifiedMarginalRatio: marginal("3") / marginal("5") };
  } finally {
    fake.kill();
  }
}

export function cpuTable(figures: CpuFigures): string {
  return [
    "| # | scenario (worker CPU, minified bundle in Node) | µs / request | beyond /health |",
    "| --- | --- | ---: | ---: |",
    ...figures.scenarios.map((row) => `| ${row.id} | ${row.name} | ${row.us.toFixed(0)} | ${row.id === "1" ? "—" : row.marginalUs.toFixed(0)} |`),
  ].join("\n");
}

if (process.argv[1]?.endsWith("bench/cpu.ts")) {
  const figures = await measureCpu((line) => process.stderr.write(`${line}\n`));
  console.log(cpuTable(figures));
  console.log(`\nhit marginal = ${figures.hitMarginalRatio.toFixed(3)} × cache-off marginal (budget ≤ 0.25); 304 marginal = ${figures.notModifiedMarginalRatio.toFixed(3)} × (budget ≤ 0.15)`);
}
