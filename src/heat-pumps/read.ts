/**
 * The one read path for a user's heat pumps, for every reader — the API's routes, the Podero-compatible route, the
 * widget data, the card and the webhook worker's checks: an `AccessGrant` in, the list as the edge holds it out
 * (the cache when it is on and bound, otherwise straight to Podero). No Hono `Context` here: callers pass plain
 * values (src/heat-pumps/load.ts adapts a request).
 *
 * @module
 */
import type { AccessGrant } from "../auth/authorize.ts";
import { cachedSource } from "../cache/cached-source.ts";
import type { EdgeConfig } from "../config/config.ts";
import type { UpstreamCall } from "../upstream/client.ts";
import { upstreamSource, type HeatPumpList, type HeatPumpSource } from "./source.ts";

export interface ReadContext {
  config: EdgeConfig;
  /** The edge cache (`CACHE`); without it (or with CACHE_ENABLED=false) every read goes to Podero. */
  kv: KVNamespace | undefined;
  waitUntil: (promise: Promise<unknown>) => void;
  /** How this read calls Podero: request id, trace, what to log, the circuit. */
  call: UpstreamCall;
}

export interface ReadOptions {
  /** Revalidate with Podero even when the stored copy is fresh (throttled per user). */
  forceRefresh: boolean;
}

/** What a reader got: whom it was read for, and the list. */
export interface HeatPumpReading {
  grant: AccessGrant;
  list: HeatPumpList;
}

function sourceFor(context: ReadContext): HeatPumpSource {
  if (!context.config.cache.enabled || !context.kv) return upstreamSource(context.config);
  return cachedSource(context.config, { kv: context.kv, waitUntil: context.waitUntil });
}

export async function readHeatPumps(grant: AccessGrant, options: ReadOptions, context: ReadContext): Promise<HeatPumpReading> {
  const list = await sourceFor(context).list(grant, { call: context.call, forceRefresh: options.forceRefresh });
  return { grant, list };
}
