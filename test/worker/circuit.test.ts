import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import worker from "../../src/index.ts";
import { forgetReadiness } from "../../src/meta/readiness.ts";
import { parseHeatPumpList } from "../../src/upstream/parse-list.ts";
import { listPath, newIds, problem, scenario, token, upstreamCalls, type Ids } from "./helpers.ts";

// The circuit breaker over all calls to Podero: a Durable Object hosted by the webhook worker (here its real
// bundle, beside the API worker), shared by every isolate of both workers. Each test has a circuit of its own.

function circuitSettings(extra: Record<string, string> = {}) {
  return {
    UPSTREAM_CIRCUIT_NAME: `test-${crypto.randomUUID()}`,
    UPSTREAM_CIRCUIT_MIN_CALLS: "4",
    UPSTREAM_CIRCUIT_FAILURE_RATIO: "0.5",
    UPSTREAM_CIRCUIT_COOLDOWN_SECONDS: "1",
    UPSTREAM_CIRCUIT_PROBES: "2",
    ...extra,
  };
}

async function call(settings: Record<string, string>, path: string, jwt?: string) {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = jwt ? { authorization: `Bearer ${jwt}` } : {};
  const response = await worker.fetch(new Request(`https://edge.example${path}`, { headers }), { ...env, ...settings } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function readUser(settings: Record<string, string>, ids: Ids) {
  return call(settings, listPath(ids), await token(ids));
}

async function ready(settings: Record<string, string>) {
  forgetReadiness();
  return call(settings, "/health/ready");
}

/** Failing users until the circuit refuses (at most 8 calls with these settings). */
async function openCircuit(settings: Record<string, string>) {
  for (let i = 0; i < 8; i++) {
    const ids = newIds();
    await scenario(ids.userId, { queue: [{ status: 500, body: "down" }] });
    const answer = await readUser(settings, ids);
    if (answer.status === 503) return;
    await problem(answer, 502, "upstream_error");
  }
  forgetReadiness();
  const state = (await (await call(settings, "/health/ready")).json()) as { checks?: { upstream_circuit?: { state: string } } };
  if (state.checks?.upstream_circuit?.state !== "open") throw new Error("the circuit did not open");
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("readiness and the circuit's host", () => {
  it("is not ready while the circuit is bound but does not answer (the webhook worker hosting it is missing)", async () => {
    const missing = { idFromName: () => ({}), get: () => ({ state: () => Promise.reject(new Error("no such worker")), admit: () => Promise.reject(new Error("no such worker")) }) };
    forgetReadiness();
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request("https://edge.example/health/ready"), { ...env, UPSTREAM_CIRCUIT: missing } as unknown as typeof env, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { checks: { upstream_circuit: { state: string } } }).checks.upstream_circuit.state).toBe("unreachable");
    forgetReadiness();
  });
});

describe("the upstream circuit breaker", () => {
  it("opens when most calls fail: then nobody's request reaches Podero, readers get 503 with Retry-After, readiness says so", async () => {
    const settings = circuitSettings();
    expect((await ready(settings)).status).toBe(200);
    await openCircuit(settings);
    const healthy = newIds();
    await scenario(healthy.userId, { items: [heatPump({}, "healthy")] });
    const refused = await readUser(settings, healthy);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await problem(refused, 503, "upstream_unavailable");
    expect((await upstreamCalls(healthy.userId)).calls).toBe(0);
    const notReady = await ready(settings);
    const body = await problem(notReady, 503, "not_ready");
    expect(body.checks).toMatchObject({ kv: { ok: true }, d1: { ok: true }, upstream_circuit: { state: "open", reason: "failure_ratio" } });
  });

  it("serves stored copies while open", async () => {
    const settings = circuitSettings();
    const ids = newIds();
    const key = `heat-pumps:v1:${ids.orgId}:${ids.userId}`;
    await env.CACHE.put(key, JSON.stringify({ v: 1, kind: "list", fetchedAt: Date.now() - 3600_000, items: parseHeatPumpList([heatPump({}, "stored")]).items, invalid: [] }));
    await openCircuit(settings);
    const answer = await readUser(settings, ids);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-status")).toMatch(/fwd-status=503; ttl=-\d+; detail=stale-if-error$/);
    expect(((await answer.json()) as { meta: { stale: boolean } }).meta.stale).toBe(true);
    expect((await upstreamCalls(ids.userId)).calls).toBe(0);
  });

  it("after the cool-down lets a few probes through and closes when they succeed; a failing probe opens it again", async () => {
    const settings = circuitSettings();
    await openCircuit(settings);
    await pause(1100);
    const probes = [newIds(), newIds()];
    for (const ids of probes) await scenario(ids.userId, { items: [heatPump({}, "probe")] });
    for (const ids of probes) expect((await readUser(settings, ids)).status).toBe(200);
    const closed = await ready(settings);
    expect(closed.status).toBe(200);
    expect(((await closed.json()) as { checks: { upstream_circuit: { state: string } } }).checks.upstream_circuit.state).toBe("closed");

    const again = circuitSettings();
    await openCircuit(again);
    await pause(1100);
    const failingProbe = newIds();
    await scenario(failingProbe.userId, { queue: [{ status: 500, body: "still down" }] });
    await problem(await readUser(again, failingProbe), 502, "upstream_error");
    const reopened = await problem(await ready(again), 503, "not_ready");
    expect(reopened.checks).toMatchObject({ upstream_circuit: { state: "open" } });
  });

  it("opens at once when Podero refuses the edge's own credentials, and says why", async () => {
    const settings = circuitSettings({ UPSTREAM_API_TOKEN: "revoked-token" });
    const ids = newIds();
    await problem(await readUser(settings, ids), 502, "upstream_auth_failed");
    const body = await problem(await ready(settings), 503, "not_ready");
    expect(body.checks).toMatchObject({ upstream_circuit: { state: "open", reason: "upstream_auth_failed" }, upstream_credentials: { kind: "static" } });
    const other = newIds();
    await problem(await readUser(settings, other), 503, "upstream_unavailable");
    expect((await upstreamCalls(other.userId)).calls).toBe(0);
  });

  it("does not open for a 403 on a data call (it may concern one organisation only)", async () => {
    const settings = circuitSettings();
    const ids = newIds();
    await scenario(ids.userId, { queue: [{ status: 403, json: { detail: "You do not have permission to perform this action." } }] });
    await problem(await readUser(settings, ids), 502, "upstream_auth_failed");
    const state = (await (await ready(settings)).json()) as { checks: { upstream_circuit: { state: string } } };
    expect(state.checks.upstream_circuit.state).toBe("closed");
  });
});
