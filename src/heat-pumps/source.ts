import type { AccessGrant } from "../auth/authorize.ts";
import type { EdgeConfig } from "../config/config.ts";
import type { UpstreamCall } from "../upstream/client.ts";
import { fetchUserHeatPumps } from "../upstream/client.ts";
import type { InvalidItem } from "../upstream/parse-list.ts";
import type { UpstreamHeatPump } from "../upstream/schema.ts";

/** One user's heat pumps as the edge holds them: the validated upstream list and when it was fetched. */
export interface HeatPumpList {
  items: UpstreamHeatPump[];
  invalid: InvalidItem[];
  /** When the edge received the list from Podero (ISO 8601). */
  fetchedAt: string;
  /** Served past its freshness (a cache answering while Podero fails). Always false without a cache. */
  stale: boolean;
}

/**
 * Where every view (full, compact, single, upstream-compatible) gets its data. It takes an
 * `AccessGrant`, which only `authorize` makes, so no source can be read before auth said yes.
 * The cache plugs in here by wrapping the upstream source.
 */
export interface HeatPumpSource {
  list(grant: AccessGrant, call: UpstreamCall): Promise<HeatPumpList>;
}

export function upstreamSource(config: EdgeConfig): HeatPumpSource {
  return {
    async list(grant, call) {
      return { ...(await fetchUserHeatPumps(config.upstream, grant, call)), stale: false };
    },
  };
}
