import type { CacheSettings } from "../config/config.ts";

// When a stored copy may be served, by its age (time since the edge fetched it). RFC 9111 freshness with
// RFC 5861's two extensions. Pure, so the windows can be tested without a clock.

export type Freshness =
  /** Serve it. */
  | "fresh"
  /** Serve it now and refresh it in the background. */
  | "stale-while-revalidate"
  /** Ask Podero first; serve it only if Podero fails. */
  | "stale-if-error"
  /** Useless: ask Podero, and fail if Podero fails. */
  | "expired";

export function freshness(ageMs: number, settings: CacheSettings): Freshness {
  const ttl = settings.ttlSeconds * 1000;
  if (ageMs < ttl) return "fresh";
  if (ageMs <= ttl + settings.swrSeconds * 1000) return "stale-while-revalidate";
  if (ageMs <= ttl + settings.staleIfErrorSeconds * 1000) return "stale-if-error";
  return "expired";
}

/** May a copy of this age stand in for a failing upstream? */
export function usableOnError(ageMs: number, settings: CacheSettings): boolean {
  return ageMs <= (settings.ttlSeconds + Math.max(settings.staleIfErrorSeconds, settings.swrSeconds)) * 1000;
}

export function freshForSeconds(ageMs: number, settings: CacheSettings): number {
  // Rounded up: a copy fetched a few milliseconds ago is still "fresh for 30 s", not 29.
  return Math.max(0, Math.ceil((settings.ttlSeconds * 1000 - ageMs) / 1000));
}

/** A forced refresh goes upstream only when the copy is at least this old: it protects Podero. */
export function refreshAllowed(ageMs: number, settings: CacheSettings): boolean {
  return ageMs >= settings.refreshMinIntervalSeconds * 1000;
}

export function negativeHit(ageMs: number, settings: CacheSettings): boolean {
  return ageMs < settings.negativeTtlSeconds * 1000;
}

/** KV garbage-collects an entry after this; staleness is judged by `fetchedAt`, not by KV. KV's minimum is 60 s. */
export function kvExpirationTtl(settings: CacheSettings): number {
  const longest = settings.ttlSeconds + Math.max(settings.swrSeconds, settings.staleIfErrorSeconds, settings.negativeTtlSeconds);
  return Math.max(60, longest);
}
