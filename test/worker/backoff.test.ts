import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { authorize } from "../../src/auth/authorize.ts";
import { forgetIsolateBackoffs } from "../../src/cache/backoff.ts";
import { cacheKey } from "../../src/cache/entry.ts";
import worker from "../../src/index.ts";
import { parseHeatPumpList } from "../../src/upstream/parse-list.ts";
import { advanceClock, listPath, newIds, problem, scenario, token, upstreamCalls, type Ids } from "./helpers.ts";

// Failure memory per user: after Podero failed for a user, the edge does not ask again within a backoff window
// (from UPSTREAM_FAILURE_BACKOFF_SECONDS, doubling, at most 60 s); stored copies answer meanwhile; one success clears it.

const failing = (count: number) => ({ queue: Array.from({ length: count }, () => ({ status: 500, body: "<html>down</html>" })) });

async function call(ids: Ids, jwt: string, settings: Record<string, string> = {}, init: RequestInit = {}, path = listPath(ids)) {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${jwt}`);
  const response = await worker.fetch(new Request(`https://edge.example${path}`, { ...init, headers }), { ...env, ...settings } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const calls = async (ids: Ids) => (await upstreamCalls(ids.userId)).calls;
const kvKey = (ids: Ids) =>
  `backoff:v1:${cacheKey(authorize({ issuer: "t", subject: undefined, orgId: ids.orgId, userId: undefined, scopes: new Set(["heat_pumps:read"]), issuerOrgs: "*" }, ids))}`;

describe("failure memory per user", () => {
  it("one always-failing user costs one upstream call per window, however many requests (and forced refreshes) come", async () => {
    const ids = newIds();
    const jwt = await token(ids, { claims: { scope: "heat_pumps:read heat_pumps:refresh" } });
    await scenario(ids.userId, failing(100));
    await problem(await call(ids, jwt), 502, "upstream_error");
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(ids, jwt, {}, i % 4 === 0 ? { headers: { "cache-control": "no-cache" } } : {})));
    for (const answer of answers) {
      expect(answer.headers.get("cache-status")).toBe("heat-pump-edge; detail=upstream-backoff");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers.get("retry-after"))).toBeLessThanOrEqual(5);
      await problem(answer, 502, "upstream_error");
    }
    const refresh = await call(ids, jwt, {}, { method: "POST" }, `${listPath(ids)}/refresh`);
    await problem(refresh, 502, "upstream_error");
    expect(await calls(ids)).toBe(1);
  });

  it("answers the stored copy, marked stale, inside the window; a forced refresh too, saying it did not refresh", async () => {
    const ids = newIds();
    const jwt = await token(ids, { claims: { scope: "heat_pumps:read heat_pumps:refresh" } });
    const grantKey = kvKey(ids).replace("backoff:v1:", "");
    await env.CACHE.put(grantKey, JSON.stringify({ v: 1, kind: "list", fetchedAt: Date.now() - 3600_000, items: parseHeatPumpList([heatPump({}, "kept")]).items, invalid: [] }));
    await scenario(ids.userId, failing(10));
    const first = await call(ids, jwt);
    expect(first.headers.get("cache-status")).toMatch(/detail=stale-if-error$/);
    const second = await call(ids, jwt);
    expect(second.status).toBe(200);
    expect(second.headers.get("cache-status")).toMatch(/^heat-pump-edge; hit; fwd=stale; fwd-status=500; ttl=-\d+; detail=upstream-backoff$/);
    expect(((await second.json()) as { meta: { stale: boolean } }).meta.stale).toBe(true);
    const refresh = await call(ids, jwt, {}, { method: "POST" }, `${listPath(ids)}/refresh`);
    expect(refresh.headers.get("cache-status")).toMatch(/detail=upstream-backoff$/);
    expect(((await refresh.json()) as { meta: { refreshed: boolean; stale: boolean } }).meta).toMatchObject({ refreshed: false, stale: true });
    expect(await calls(ids)).toBe(1);
  });

  it("doubles with consecutive failures and is cleared by one success", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    const oneSecond = { UPSTREAM_FAILURE_BACKOFF_SECONDS: "1" };
    await scenario(ids.userId, failing(2));
    await problem(await call(ids, jwt, oneSecond), 502, "upstream_error"); // failure 1: 1 s
    advanceClock(1100);
    await problem(await call(ids, jwt, oneSecond), 502, "upstream_error"); // failure 2: 2 s
    expect(await calls(ids)).toBe(2);
    advanceClock(1100);
    expect((await call(ids, jwt, oneSecond)).headers.get("cache-status")).toBe("heat-pump-edge; detail=upstream-backoff"); // still inside 2 s
    expect(await calls(ids)).toBe(2);
    expect(((await env.CACHE.get(kvKey(ids), "json")) as { failures: number }).failures).toBe(2);
    advanceClock(1000);
    await scenario(ids.userId, { items: [heatPump({}, "back")] });
    expect((await call(ids, jwt, oneSecond)).status).toBe(200); // Podero is asked again, and answers
    expect(await calls(ids)).toBe(3);
    expect(await env.CACHE.get(kvKey(ids))).toBeNull(); // cleared, here and for other isolates
  });

  it("is honoured by another isolate, through KV", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await scenario(ids.userId, failing(10));
    await problem(await call(ids, jwt), 502, "upstream_error");
    forgetIsolateBackoffs(); // as a fresh isolate: only KV knows
    const elsewhere = await call(ids, jwt);
    expect(elsewhere.headers.get("cache-status")).toBe("heat-pump-edge; detail=upstream-backoff");
    expect(await calls(ids)).toBe(1);
  });

  it("leaves a 404 to its own negative cache", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await scenario(ids.userId, { queue: [{ status: 404, json: { detail: "Not found." } }] });
    await problem(await call(ids, jwt), 404, "user_not_found");
    expect(await env.CACHE.get(kvKey(ids))).toBeNull();
  });
});
