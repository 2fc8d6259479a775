import type { AccessGrant } from "../auth/authorize.ts";
import type { EdgeConfig } from "../config/config.ts";
import type { CacheOutcome, HeatPumpList, HeatPumpSource, SourceRequest } from "../heat-pumps/source.ts";
import { PROBLEM_CATALOGUE, UpstreamError, UserNotFoundError } from "../problems/errors.ts";
import { afterFailure, clearBackoff, readBackoff, rememberedBackoff, remainingSeconds, writeBackoff, type Backoff } from "./backoff.ts";
import { ProblemError } from "../problems/problem-error.ts";
import { CircuitOpenError } from "../upstream/circuit.ts";
import { fetchUserHeatPumps, type UpstreamCall } from "../upstream/client.ts";
import { cacheKey, newerEntry, type CacheEntry } from "./entry.ts";
import { readEntry, writeEntry, type KvObserver } from "./kv-store.ts";
import { Lru } from "../util/lru.ts";
import { freshForSeconds, freshness, kvExpirationTtl, negativeHit, refreshAllowed, usableOnError } from "./policy.ts";
import { SingleFlight } from "./single-flight.ts";

// Per isolate, shared by all requests it serves: plain data only.
// The in-isolate tier in front of KV: a hot key costs no KV read while its copy is fresh.
const memory = new Lru<CacheEntry>(2000);
const inflight = new SingleFlight<CacheEntry>();

export interface CacheDeps {
  kv: KVNamespace;
  /** `ctx.waitUntil`: background refreshes and KV writes outlive the answer. */
  waitUntil: (promise: Promise<unknown>) => void;
}

type ListEntry = Extract<CacheEntry, { kind: "list" }>;
type Observed = UpstreamCall["observed"] & KvObserver & { cache?: string; collapsed?: boolean; background_error?: string; backoff?: boolean };

/**
 * The edge cache: memory tier → KV → Podero, with stale-while-revalidate, stale-if-error, request
 * coalescing and throttled forced refreshes. Errors are never stored, except an upstream 404 for a short
 * while. A failing KV costs a cache miss, never an error answer.
 */
export function cachedSource(config: EdgeConfig, deps: CacheDeps): HeatPumpSource {
  const settings = config.cache;

  async function lookup(key: string, observed: Observed): Promise<{ entry?: CacheEntry; tier?: "memory" | "kv" }> {
    const remembered = memory.get(key);
    if (remembered && freshness(Date.now() - remembered.fetchedAt, settings) === "fresh") return { entry: remembered, tier: "memory" };
    // Not fresh here: another isolate or location may have refreshed it since.
    const stored = await readEntry(deps.kv, key, observed);
    const newest = newerEntry(remembered, stored);
    if (newest) memory.set(key, newest);
    return { entry: newest, tier: newest && newest === stored ? "kv" : "memory" };
  }

  /**
   * One upstream call per key per isolate at a time; the result is stored before anyone sees it. `revalidating`:
   * the copy a background revalidation stands for, marked as failed (once, by the call that failed) if it fails.
   */
  async function fetchAndStore(key: string, grant: AccessGrant, call: UpstreamCall, revalidating?: ListEntry): Promise<{ entry: CacheEntry; joined: boolean }> {
    const observed = call.observed as Observed;
    const { value, joined } = await inflight.run(key, async () => {
      let entry: CacheEntry;
      try {
        const list = await fetchUserHeatPumps(config.upstream, grant, call);
        entry = { v: 1, kind: "list", fetchedAt: Date.parse(list.fetchedAt), items: list.items, invalid: list.invalid };
      } catch (error) {
        if (error instanceof UserNotFoundError) {
          if (settings.negativeTtlSeconds > 0) store(key, { v: 1, kind: "not_found", fetchedAt: Date.now() }, observed);
          deps.waitUntil(clearBackoff(deps.kv, key)); // Podero answered: this user's failures are over
        } else if (!(error instanceof CircuitOpenError)) {
          // (the open circuit's refusal is no failure of this user: nothing to remember per key)
          const status = error instanceof ProblemError ? (observed.upstream_status ?? error.status) : 502;
          if (revalidating) rememberFailure(key, revalidating, status, observed);
          const previous = await readBackoff(deps.kv, key);
          const code = error instanceof ProblemError ? error.code : "upstream_error";
          deps.waitUntil(writeBackoff(deps.kv, key, afterFailure(previous, { code, upstreamStatus: observed.upstream_status }, settings.failureBackoffSeconds, Date.now())));
        }
        throw error;
      }
      store(key, entry, observed);
      deps.waitUntil(clearBackoff(deps.kv, key));
      return entry;
    });
    if (joined) observed.collapsed = true;
    return { entry: value, joined };
  }

  function store(key: string, entry: CacheEntry, observed: Observed) {
    memory.set(key, entry);
    deps.waitUntil(writeEntry(deps.kv, key, entry, kvExpirationTtl(settings), observed));
  }

  /**
   * A background revalidation failed (Podero 5xx, timeout, unreachable, bad body): the copy is marked, in this
   * isolate and in KV, so every answer from it for the rest of its window says it is stale and why.
   */
  function rememberFailure(key: string, entry: ListEntry, status: number, observed: Observed) {
    const current = memory.get(key);
    if (current && current.fetchedAt !== entry.fetchedAt) return; // a newer copy arrived meanwhile
    const marked = current?.kind === "list" && current.failedAt !== undefined && current.failedAt >= current.fetchedAt ? current : undefined;
    if (marked && marked.failedStatus === status) return; // already known: no second KV write for the same news
    store(key, { ...entry, failedAt: Date.now(), failedStatus: status }, observed);
  }

  function answer(entry: ListEntry, outcome: Omit<CacheOutcome, "ageSeconds" | "freshForSeconds">, stale = false): HeatPumpList {
    const age = Math.max(0, Date.now() - entry.fetchedAt);
    return {
      items: entry.items,
      invalid: entry.invalid,
      fetchedAt: new Date(entry.fetchedAt).toISOString(),
      stale,
      cache: { ...outcome, ageSeconds: Math.floor(age / 1000), freshForSeconds: freshForSeconds(age, settings) },
    };
  }

  /**
   * Inside a key's backoff window Podero is not asked: the stored copy answers (marked stale), or with none the same
   * problem again, with `Retry-After` set to what is left of the window.
   */
  function fromBackoff(backoff: Backoff, fallback: CacheEntry | undefined): HeatPumpList {
    const now = Date.now();
    if (fallback?.kind === "list" && usableOnError(now - fallback.fetchedAt, settings)) {
      return answer(fallback, { status: "upstream-backoff", ...(backoff.upstreamStatus ? { upstreamStatus: backoff.upstreamStatus } : {}) }, true);
    }
    const problem = PROBLEM_CATALOGUE.find((cls) => cls.spec.code === backoff.code) ?? UpstreamError;
    throw new problem("Podero failed for this user moments ago; the edge waits before asking again.", {
      headers: { "retry-after": String(remainingSeconds(backoff, now)), "cache-status": "heat-pump-edge; detail=upstream-backoff" },
    });
  }

  async function fromUpstream(key: string, grant: AccessGrant, call: UpstreamCall, status: "miss" | "refreshed", fallback?: CacheEntry): Promise<HeatPumpList> {
    const backoff = await readBackoff(deps.kv, key);
    if (backoff && backoff.until > Date.now()) {
      (call.observed as Observed).backoff = true;
      return fromBackoff(backoff, fallback);
    }
    try {
      const { entry, joined } = await fetchAndStore(key, grant, call);
      if (entry.kind !== "list") throw new UserNotFoundError("Podero does not know this user in this organisation.");
      return answer(entry, { status, collapsed: joined, upstreamStatus: 200 });
    } catch (error) {
      // stale-if-error: Podero failed (not "no such user"), and the stored copy is young enough.
      const usable = fallback?.kind === "list" && usableOnError(Date.now() - fallback.fetchedAt, settings);
      if (usable && error instanceof ProblemError && error.status >= 500) {
        return answer(fallback, { status: "stale-if-error", upstreamStatus: call.observed.upstream_status ?? error.status }, true);
      }
      throw error;
    }
  }

  return {
    async list(grant, { call, forceRefresh }: SourceRequest) {
      const key = cacheKey(grant);
      const observed = call.observed as Observed;
      const { entry, tier } = await lookup(key, observed);
      if (!entry) return fromUpstream(key, grant, call, "miss");

      const age = Date.now() - entry.fetchedAt;
      if (entry.kind === "not_found") {
        if (negativeHit(age, settings) && !(forceRefresh && refreshAllowed(age, settings))) {
          throw new UserNotFoundError("Podero does not know this user in this organisation.", { headers: { "cache-status": "heat-pump-edge; hit; detail=negative" } });
        }
        return fromUpstream(key, grant, call, "miss");
      }
      if (forceRefresh) {
        if (!refreshAllowed(age, settings)) return answer(entry, { status: "refresh-throttled", tier });
        return fromUpstream(key, grant, call, "refreshed", entry);
      }
      switch (freshness(age, settings)) {
        case "fresh":
          return answer(entry, { status: "hit", tier });
        case "stale-while-revalidate": {
          // No background revalidation inside the key's backoff window: Podero just failed for this user. (This
          // isolate's memory only: a KV read on every stale answer would cost more than the call it may save.)
          const backoff = rememberedBackoff(key);
          if (!backoff || backoff.until <= Date.now()) {
            deps.waitUntil(
              fetchAndStore(key, grant, call, entry).catch((error: unknown) => {
                observed.background_error = error instanceof Error ? error.message : String(error);
              }),
            );
          }
          // A copy whose last revalidation failed is served as what it is: stale, with the status Podero gave.
          const failed = entry.failedAt !== undefined && entry.failedAt >= entry.fetchedAt;
          return answer(entry, { status: "stale-while-revalidate", tier, ...(failed ? { upstreamStatus: entry.failedStatus ?? 502 } : {}) }, failed);
        }
        case "stale-if-error":
          return fromUpstream(key, grant, call, "miss", entry);
        case "expired":
          return fromUpstream(key, grant, call, "miss");
      }
    },
  };
}
