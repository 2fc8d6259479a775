import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import worker from "../../src/index.ts";
import { exchangeEmbedToken, listPath, newIds, problem, scenario, token, upstreamCalls, type Ids } from "./helpers.ts";

// The docs' promises with a test each, through the worker's settings and public API.

async function call(ids: Ids, jwt: string, settings: Record<string, unknown>) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://edge.example${listPath(ids)}`, { headers: { authorization: `Bearer ${jwt}` } }), { ...env, ...settings } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("rate limiting, as docs/caching.md says", () => {
  const small = () => ({ PARTNER_RATE_LIMITER: (env as unknown as { TEST_RATE_LIMITER: RateLimit }).TEST_RATE_LIMITER, RATE_LIMIT_REQUESTS: "3" });

  it("keys the budget by issuer: another partner's issuer acting for the same organisation has its own", async () => {
    const ids = newIds();
    const settings = small();
    const a = await token(ids);
    for (let i = 0; i < 3; i++) expect((await call(ids, a, settings)).status).toBe(200);
    await problem(await call(ids, a, settings), 429, "rate_limited");
    const b = await token(ids, { issuer: "https://partner-b.example" });
    expect((await call(ids, b, settings)).status).toBe(200);
  });

  it("RATE_LIMIT_REQUESTS=0 turns it off (no policy stated), and a failing binding lets requests through", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    const off = { ...small(), RATE_LIMIT_REQUESTS: "0" };
    for (let i = 0; i < 5; i++) {
      const response = await call(ids, jwt, off);
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-policy")).toBeNull();
    }
    const failing = { PARTNER_RATE_LIMITER: { limit: async () => Promise.reject(new Error("binding down")) } };
    const through = await call(ids, jwt, failing);
    expect(through.status).toBe(200);
    expect(through.headers.get("ratelimit-policy")).toBe('"partner";q=600;w=60');
  });
});

describe("the cache switched off and broken", () => {
  it("CACHE_ENABLED=false asks Podero every time (fwd=bypass)", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await scenario(ids.userId, { items: [heatPump({}, "bypass")] });
    for (let i = 0; i < 3; i++) {
      const response = await call(ids, jwt, { CACHE_ENABLED: "false" });
      expect(response.headers.get("cache-status")).toBe("heat-pump-edge; fwd=bypass; fwd-status=200");
      expect(response.headers.get("cache-control")).toBe("private, no-cache");
    }
    expect((await upstreamCalls(ids.userId)).calls).toBe(3);
  });

  it("a corrupt KV entry is a miss, never an error", async () => {
    for (const junk of ["not json", JSON.stringify({ v: 99 }), JSON.stringify({ v: 1, kind: "list", fetchedAt: "yesterday" })]) {
      const ids = newIds(); // a user of its own each time: nothing in the isolate's memory stands in for KV
      await scenario(ids.userId, { items: [heatPump({}, "after-corrupt")] });
      await env.CACHE.put(`heat-pumps:v1:${ids.orgId}:${ids.userId}`, junk);
      const response = await call(ids, await token(ids), {});
      expect(response.status, junk).toBe(200);
      expect(response.headers.get("cache-status"), junk).toBe("heat-pump-edge; fwd=miss; fwd-status=200; stored");
    }
  });
});

describe("negative entries expire", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("an upstream 404 is remembered for CACHE_NEGATIVE_TTL_SECONDS, then Podero is asked again", async () => {
    const ids = newIds();
    await scenario(ids.userId, { queue: [{ status: 404, json: { detail: "Not found." } }, { status: 404, json: { detail: "Not found." } }] });
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: start });
    const jwt = async () => token(ids, { claims: { iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 } });
    const settings = { CACHE_NEGATIVE_TTL_SECONDS: "30" };
    await problem(await call(ids, await jwt(), settings), 404, "user_not_found");
    vi.setSystemTime(start + 29_000);
    const remembered = await call(ids, await jwt(), settings);
    expect(remembered.headers.get("cache-status")).toBe("heat-pump-edge; hit; detail=negative");
    await problem(remembered, 404, "user_not_found");
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
    vi.setSystemTime(start + 31_000);
    const asked = await call(ids, await jwt(), settings);
    expect(asked.headers.get("cache-status")).not.toBe("heat-pump-edge; hit; detail=negative");
    await problem(asked, 404, "user_not_found");
    expect((await upstreamCalls(ids.userId)).calls).toBe(2);
  });
});

describe("an issuer whose keys cannot be fetched", () => {
  it("answers 503 issuer_keys_unavailable with Retry-After, not 401", async () => {
    const ids = newIds();
    const issuer = `https://down-${crypto.randomUUID()}.example`;
    const settings = { PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks_uri: `${env.UPSTREAM_BASE_URL}/__no-such-path/jwks.json`, orgs: "*" }]) };
    const response = await call(ids, await token(ids, { issuer, signer: "partner-a" }), settings);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    await problem(response, 503, "issuer_keys_unavailable");
  });
});

describe("embed origins", () => {
  it("takes exactly 10 origins, not 11", async () => {
    const ids = newIds();
    const origins = Array.from({ length: 11 }, (_, i) => `https://app${i}.partner.example`);
    expect((await exchangeEmbedToken(ids, { origins: origins.slice(0, 10) })).status).toBe(200);
    await problem(await exchangeEmbedToken(ids, { origins }), 400, "invalid_request");
  });
});
