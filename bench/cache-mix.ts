// A mixed local run against the real worker under wrangler dev (its local KV), with the fake Podero at
// 80 ms latency: many users with a skewed popularity, all views, some forced refreshes. Prints the cache
// hit ratio and the upstream calls it cost. `npm run bench:cache [requests] [users] [--faults]`: with --faults the most
// popular user's every upstream answer is a 500 (and two others fail every other minute's worth of calls), and the
// run reports the upstream calls that user cost and the edge's 5xx answers.
import { startFakePodero } from "../dev/fake-podero/server.ts";
import { startWranglerDev } from "../dev/wrangler-dev.ts";

const args = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const faults = process.argv.includes("--faults");
const total = Number(args[0] ?? 3000);
const userCount = Number(args[1] ?? 60);
const concurrency = 16;
const fake = await startFakePodero({ latencyMs: 80 });
const issuer = `${fake.url}/__idp/bench`;
const worker = await startWranglerDev({
  vars: {
    UPSTREAM_BASE_URL: fake.url,
    UPSTREAM_API_TOKEN: "fake-upstream-token",
    PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks_uri: `${issuer}/jwks.json`, orgs: "*" }]),
    RATE_LIMIT_REQUESTS: "0",
  },
});

try {
  const orgId = crypto.randomUUID();
  const users = Array.from({ length: userCount }, () => crypto.randomUUID());
  const now = Math.floor(Date.now() / 1000);
  const token = await fake.idp.sign("bench", { iss: issuer, aud: "heat-pump-edge", exp: now + 3600, org_id: orgId, scope: "heat_pumps:read" });
  const statuses = new Map<string, number>();
  if (faults) {
    const down = { status: 500, body: "<html>down</html>" };
    await fetch(`${fake.url}/__fake/users/${users[0]}`, { method: "PUT", body: JSON.stringify({ queue: Array.from({ length: 100_000 }, () => down) }) });
    // Two flipping users: runs of failures between healthy answers.
    for (const user of users.slice(1, 3)) {
      const queue = Array.from({ length: 400 }, (_, i) => (Math.floor(i / 5) % 2 === 0 ? down : { status: 200, json: [] }));
      await fetch(`${fake.url}/__fake/users/${user}`, { method: "PUT", body: JSON.stringify({ queue }) });
    }
  }
  const latencies: number[] = [];
  let sent = 0;

  const pick = () => users[Math.floor(userCount * Math.random() ** 2)]!; // a few popular users, a long tail
  const path = (user: string): { path: string; headers: Record<string, string> } => {
    const roll = Math.random();
    const base = `/v1/orgs/${orgId}/users/${user}/heat-pumps`;
    if (roll < 0.6) return { path: base, headers: {} };
    if (roll < 0.85) return { path: `${base}?view=compact`, headers: {} };
    if (roll < 0.95) return { path: `/api/partners/v2.0/org/${orgId}/users/${user}/heat-pumps`, headers: {} };
    return { path: base, headers: { "cache-control": "no-cache" } };
  };

  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent += 1;
        const request = path(pick());
        const t0 = performance.now();
        const response = await fetch(`${worker.url}${request.path}`, { headers: { authorization: `Bearer ${token}`, ...request.headers } });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        const detail = response.status !== 200 ? `status ${response.status}` : (response.headers.get("cache-status") ?? "").replace(/^heat-pump-edge; /, "").replace(/ttl=-?\d+; /, "").replace(/; collapsed$/, "");
        statuses.set(detail, (statuses.get(detail) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  let upstreamCalls = 0;
  const callsOf = async (user: string) => ((await (await fetch(`${fake.url}/__fake/users/${user}`)).json()) as { calls: number }).calls;
  for (const user of users) upstreamCalls += await callsOf(user);
  const failingUserCalls = faults ? await callsOf(users[0]!) : undefined;
  const fromCache = [...statuses].filter(([status]) => status.startsWith("hit")).reduce((sum, [, count]) => sum + count, 0);
  latencies.sort((a, b) => a - b);
  const summary = {
    requests: total,
    users: userCount,
    seconds: Number(seconds.toFixed(1)),
    cache_hit_ratio: Number((fromCache / total).toFixed(4)),
    upstream_calls: upstreamCalls,
    upstream_calls_per_request: Number((upstreamCalls / total).toFixed(4)),
    p50_ms: Number(latencies[Math.floor(latencies.length * 0.5)]!.toFixed(1)),
    p99_ms: Number(latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)),
    ...(faults
      ? {
          failing_user_upstream_calls: failingUserCalls,
          edge_5xx: [...statuses].filter(([status]) => /^status 5/.test(status)).reduce((sum, [, count]) => sum + count, 0),
          edge_500: statuses.get("status 500") ?? 0,
        }
      : {}),
    cache_status: Object.fromEntries([...statuses].sort((a, b) => b[1] - a[1])),
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await worker.stop();
  await fake.close();
}
