import { describe, expect, it } from "vitest";
import { cacheHeaders, cacheStatus } from "../../src/cache/http-headers.ts";
import { Lru } from "../../src/util/lru.ts";
import { freshForSeconds, freshness, kvExpirationTtl, negativeHit, refreshAllowed, usableOnError } from "../../src/cache/policy.ts";
import type { CacheSettings } from "../../src/config/config.ts";

const SETTINGS: CacheSettings = { enabled: true, ttlSeconds: 30, swrSeconds: 300, staleIfErrorSeconds: 86400, negativeTtlSeconds: 10, refreshMinIntervalSeconds: 5, failureBackoffSeconds: 5 };
const s = (seconds: number) => seconds * 1000;

describe("freshness windows (RFC 9111 + RFC 5861)", () => {
  it("is fresh, then stale-while-revalidate, then stale-if-error, then expired", () => {
    expect(freshness(0, SETTINGS)).toBe("fresh");
    expect(freshness(s(29.9), SETTINGS)).toBe("fresh");
    expect(freshness(s(30), SETTINGS)).toBe("stale-while-revalidate");
    expect(freshness(s(330), SETTINGS)).toBe("stale-while-revalidate");
    expect(freshness(s(331), SETTINGS)).toBe("stale-if-error");
    expect(freshness(s(86430), SETTINGS)).toBe("stale-if-error");
    expect(freshness(s(86431), SETTINGS)).toBe("expired");
  });

  it("has no revalidate window when it is 0", () => {
    expect(freshness(s(31), { ...SETTINGS, swrSeconds: 0 })).toBe("stale-if-error");
  });

  it("stands in for a failing upstream within the longer of the two stale windows", () => {
    expect(usableOnError(s(86430), SETTINGS)).toBe(true);
    expect(usableOnError(s(86431), SETTINGS)).toBe(false);
    expect(usableOnError(s(100), { ...SETTINGS, staleIfErrorSeconds: 0 })).toBe(true);
  });

  it("counts down the remaining freshness in whole seconds", () => {
    expect(freshForSeconds(0, SETTINGS)).toBe(30);
    expect(freshForSeconds(s(12.5), SETTINGS)).toBe(18);
    expect(freshForSeconds(s(45), SETTINGS)).toBe(0);
  });

  it("throttles forced refreshes and expires negative entries", () => {
    expect(refreshAllowed(s(4.9), SETTINGS)).toBe(false);
    expect(refreshAllowed(s(5), SETTINGS)).toBe(true);
    expect(negativeHit(s(9), SETTINGS)).toBe(true);
    expect(negativeHit(s(10), SETTINGS)).toBe(false);
  });

  it("respects KV's 60 s minimum expiration", () => {
    expect(kvExpirationTtl(SETTINGS)).toBe(86430);
    expect(kvExpirationTtl({ ...SETTINGS, ttlSeconds: 5, swrSeconds: 10, staleIfErrorSeconds: 0, negativeTtlSeconds: 0 })).toBe(60);
  });
});

describe("Cache-Status (RFC 9211) and caching headers", () => {
  it("says hit, miss, stale-while-revalidate and stale-if-error", () => {
    expect(cacheStatus({ status: "hit", ageSeconds: 3, freshForSeconds: 27, tier: "kv" })).toBe("heat-pump-edge; hit; ttl=27; detail=kv");
    expect(cacheStatus({ status: "miss", ageSeconds: 0, freshForSeconds: 30, upstreamStatus: 200, collapsed: true })).toBe("heat-pump-edge; fwd=miss; fwd-status=200; stored; collapsed");
    expect(cacheStatus({ status: "stale-while-revalidate", ageSeconds: 45, freshForSeconds: 0 })).toBe("heat-pump-edge; hit; ttl=-45; detail=stale-while-revalidate");
    expect(cacheStatus({ status: "stale-if-error", ageSeconds: 900, freshForSeconds: 0, upstreamStatus: 504 })).toBe("heat-pump-edge; hit; fwd=stale; fwd-status=504; ttl=-900; detail=stale-if-error");
    expect(cacheStatus({ status: "refreshed", ageSeconds: 0, freshForSeconds: 30, upstreamStatus: 200 })).toBe("heat-pump-edge; fwd=request; fwd-status=200; stored");
    expect(cacheStatus({ status: "bypass", ageSeconds: 0, freshForSeconds: 0, upstreamStatus: 200 })).toBe("heat-pump-edge; fwd=bypass; fwd-status=200");
  });

  it("makes answers private with the remaining freshness and an Age", () => {
    expect(cacheHeaders({ status: "hit", ageSeconds: 12, freshForSeconds: 18 })).toMatchObject({ "cache-control": "private, max-age=18", age: "12", vary: "Authorization" });
    expect(cacheHeaders({ status: "bypass", ageSeconds: 0, freshForSeconds: 0 })["cache-control"]).toBe("private, no-cache");
  });
});

describe("Lru", () => {
  it("evicts the least recently used entry beyond its size", () => {
    const tier = new Lru<number>(2);
    tier.set("a", 1);
    tier.set("b", 2);
    expect(tier.get("a")).toBe(1); // a is now the most recent
    tier.set("c", 3);
    expect(tier.get("b")).toBeUndefined();
    expect(tier.get("a")).toBe(1);
    expect(tier.get("c")).toBe(3);
    expect(tier.size).toBe(2);
  });
});
