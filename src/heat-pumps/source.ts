import type { AccessGrant } from "../auth/authorize.ts";
import type { EdgeConfig } from "../config/config.ts";
import type { UpstreamCall } from "../upstream/client.ts";
import { fetchUserHeatPumps } from "../upstream/client.ts";
import type { InvalidItem } from "../upstream/parse-list.ts";
import type { UpstreamHeatPump } from "../upstream/schema.ts";

/** How the answer was obtained; becomes Cache-Control, Age and Cache-Status (RFC 9211). */
export interface CacheOutcome {
  status: "hit" | "miss" | "stale-while-revalidate" | "stale-if-error" | "upstream-backoff" | "refreshed" | "refresh-throttled" | "bypass";
  /** Seconds since the edge fetched the data from Podero. */
  ageSeconds: number;
  /** Seconds the data stays fresh. */
  freshForSeconds: number;
  /** Where a hit came from. */
  tier?: "memory" | "kv";
  /** Status Podero answered when the edge asked it during this request. */
  upstreamStatus?: number;
  /** This request waited for another request's upstream call instead of making its own. */
  collapsed?: boolean;
}

/** One user's heat pumps as the edge holds them: the validated upstream list and when it was fetched. */
export interface HeatPumpList {
  items: UpstreamHeatPump[];
  invalid: InvalidItem[];
  /** When the edge received the list from Podero (ISO 8601). */
  fetchedAt: string;
  /** Served past its freshness because Podero failed (stale-if-error). */
  stale: boolean;
  cache: CacheOutcome;
}

export interface SourceRequest {
  call: UpstreamCall;
  /** Revalidate with Podero (request `Cache-Control: no-cache`, or the refresh route), within the throttle. */
  forceRefresh: boolean;
}

/**
 * Where every view (full, compact, single, upstream-compatible) gets its data. It takes an
 * `AccessGrant`, which only `authorize` makes, so no source (and no cache) is read before auth said yes.
 */
export interface HeatPumpSource {
  list(grant: AccessGrant, request: SourceRequest): Promise<HeatPumpList>;
}

/** Straight to Podero, every time: the source when the cache is switched off. */
export function upstreamSource(config: EdgeConfig): HeatPumpSource {
  return {
    async list(grant, { call }) {
      const list = await fetchUserHeatPumps(config.upstream, grant, call);
      return { ...list, stale: false, cache: { status: "bypass", ageSeconds: 0, freshForSeconds: 0, upstreamStatus: 200 } };
    },
  };
}
