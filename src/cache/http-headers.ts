import type { CacheOutcome } from "../heat-pumps/source.ts";

const CACHE_NAME = "heat-pump-edge";

/**
 * Cache-Status (RFC 9211) for an outcome: `hit` when served from the cache (with the remaining `ttl`,
 * negative when stale), `fwd` and `fwd-status` when Podero was asked, `stored`, `collapsed`, and a
 * `detail` naming the tier or the stale rule that applied.
 */
export function cacheStatus(outcome: CacheOutcome): string {
  const ttl = outcome.freshForSeconds > 0 ? outcome.freshForSeconds : -outcome.ageSeconds;
  const parts = [CACHE_NAME];
  switch (outcome.status) {
    case "hit":
      parts.push("hit", `ttl=${ttl}`, `detail=${outcome.tier ?? "memory"}`);
      break;
    case "stale-while-revalidate":
      // After a failed background revalidation: the stale copy, and what Podero answered (RFC 9211 fwd=stale).
      if (outcome.upstreamStatus !== undefined) parts.push("hit", "fwd=stale", `fwd-status=${outcome.upstreamStatus}`, `ttl=${ttl}`, "detail=stale-while-revalidate");
      else parts.push("hit", `ttl=${ttl}`, "detail=stale-while-revalidate");
      break;
    case "stale-if-error":
      parts.push("hit", "fwd=stale", `fwd-status=${outcome.upstreamStatus ?? 502}`, `ttl=${ttl}`, "detail=stale-if-error");
      break;
    case "upstream-backoff":
      // Podero failed for this user moments ago and was not asked again: the stored copy, and what it answered then.
      parts.push("hit", ...(outcome.upstreamStatus !== undefined ? ["fwd=stale", `fwd-status=${outcome.upstreamStatus}`] : []), `ttl=${ttl}`, "detail=upstream-backoff");
      break;
    case "refresh-throttled":
      parts.push("hit", `ttl=${ttl}`, "detail=refresh-throttled");
      break;
    case "miss":
    case "refreshed":
      parts.push(`fwd=${outcome.status === "miss" ? "miss" : "request"}`, `fwd-status=${outcome.upstreamStatus ?? 200}`, "stored");
      if (outcome.collapsed) parts.push("collapsed");
      break;
    case "bypass":
      parts.push("fwd=bypass", `fwd-status=${outcome.upstreamStatus ?? 200}`);
      break;
  }
  return parts.join("; ");
}

/**
 * Headers of a cached answer. `private`: one user's data, for the caller only. `max-age` is what is left of
 * the edge's freshness, so a client polling faster than that learns it gets the same data (RFC 9111 §5.2.2).
 */
export function cacheHeaders(outcome: CacheOutcome): Record<string, string> {
  return {
    "cache-control": outcome.status === "bypass" ? "private, no-cache" : `private, max-age=${outcome.freshForSeconds}`,
    age: String(outcome.ageSeconds),
    "cache-status": cacheStatus(outcome),
    vary: "Authorization",
  };
}
