import type { Context } from "hono";
import { endTime, setMetric, startTime } from "hono/timing";
import type { AppEnv } from "../app-env.ts";
import { authorize, type AccessGrant } from "../auth/authorize.ts";
import { REQUIRED_SCOPES, SCOPES } from "../auth/principal.ts";
import { cachedSource } from "../cache/cached-source.ts";
import { configFor, type EdgeConfig } from "../config/config.ts";
import { circuitClient, circuitStub } from "../upstream/circuit.ts";
import type { UpstreamHeatPump } from "../upstream/schema.ts";
import { reshapeHeatPump } from "./reshape.ts";
import type { HeatPump } from "./schemas.ts";
import { upstreamSource, type HeatPumpList, type HeatPumpSource } from "./source.ts";

export interface LoadedHeatPumps {
  grant: AccessGrant;
  list: HeatPumpList;
}

export interface LoadOptions {
  /** Revalidate with Podero even when the cached copy is fresh (throttled per key). */
  forceRefresh?: boolean;
  /** Every scope the operation needs (default: `heat_pumps:read`). */
  scopes?: readonly string[];
}

/** The cache when it is on and bound, otherwise straight to Podero. */
function sourceFor(c: Context<AppEnv>, config: EdgeConfig): HeatPumpSource {
  if (!config.cache.enabled || !c.env.CACHE) return upstreamSource(config);
  return cachedSource(config, { kv: c.env.CACHE, waitUntil: (promise) => c.executionCtx.waitUntil(promise) });
}

/**
 * `Cache-Control: no-cache` (or HTTP/1.0 `Pragma: no-cache`) on the request asks for revalidation (RFC 9111 §5.2.1.4),
 * honoured only for a partner token with `heat_pumps:refresh`: a browser's reload (card, widget) or a read-only
 * token cannot make the edge call Podero.
 */
export function requestsRevalidation(c: Context<AppEnv>): boolean {
  if (!c.get("principal").scopes.has(SCOPES.heatPumpsRefresh)) return false;
  const directives = `${c.req.header("cache-control") ?? ""},${c.req.header("pragma") ?? ""}`.toLowerCase();
  return /(^|[,\s])(no-cache|max-age=0)(?=$|[,\s])/.test(directives);
}

/** Authorise the caller for this user, then (and only then) read the user's heat pumps. */
export async function loadHeatPumps(c: Context<AppEnv>, target: { org_id: string; user_id: string }, options: LoadOptions = {}): Promise<LoadedHeatPumps> {
  const config = configFor(c.env);
  const log = c.get("log");
  const grant = authorize(c.get("principal"), { orgId: target.org_id, userId: target.user_id }, options.scopes ?? REQUIRED_SCOPES.read);
  log.org_id = grant.orgId;
  log.user_id = grant.userId;
  log.issuer = grant.issuer;

  startTime(c, "cache");
  let list: HeatPumpList;
  try {
    list = await sourceFor(c, config).list(grant, {
      call: {
        requestId: c.get("requestId"),
        traceparent: c.req.header("traceparent"),
        observed: log,
        circuit: circuitClient(circuitStub(c.env.UPSTREAM_CIRCUIT, config.upstream.circuit.name), config.upstream.circuit.name, config.upstream.circuit, (promise) => c.executionCtx.waitUntil(promise)),
      },
      forceRefresh: options.forceRefresh ?? requestsRevalidation(c),
    });
  } finally {
    endTime(c, "cache");
    if (log.upstream_ms !== undefined) setMetric(c, "upstream", log.upstream_ms);
  }
  log.cache = list.cache.status;
  log.heat_pumps = list.items.length;
  if (list.invalid.length > 0) log.invalid_items = list.invalid;
  return { grant, list };
}

/** Reshapes the given items (default: all) for this caller, as of now. */
export function reshape({ grant, list }: LoadedHeatPumps, c: Context<AppEnv>, items: UpstreamHeatPump[] = list.items): HeatPump[] {
  const options = { now: Date.now(), staleAfterSeconds: configFor(c.env).stateStaleAfterSeconds, ownersVisible: grant.ownersVisible };
  return items.map((item) => reshapeHeatPump(item, options));
}
