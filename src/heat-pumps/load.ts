import type { Context } from "hono";
import { endTime, setMetric, startTime } from "hono/timing";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "../auth/authorize.ts";
import { REQUIRED_SCOPES, SCOPES } from "../auth/principal.ts";
import { cacheHeaders } from "../cache/http-headers.ts";
import { configFor, type EdgeConfig } from "../config/config.ts";
import { circuitClient, circuitStub } from "../upstream/circuit.ts";
import { readHeatPumps, type HeatPumpReading, type ReadContext } from "./read.ts";
import { representation, type RepresentationSpec } from "./representation.ts";

export type LoadedHeatPumps = HeatPumpReading;

export interface LoadOptions {
  /** Revalidate with Podero even when the cached copy is fresh (throttled per key). */
  forceRefresh?: boolean;
  /** Every scope the operation needs (default: `heat_pumps:read`). */
  scopes?: readonly string[];
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

/** What the read path needs from this request: plain values, no Context past here. */
function readContext(c: Context<AppEnv>, config: EdgeConfig): ReadContext {
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  return {
    config,
    kv: c.env.CACHE,
    waitUntil,
    call: {
      requestId: c.get("requestId"),
      traceparent: c.req.header("traceparent"),
      observed: c.get("log"),
      circuit: circuitClient(circuitStub(c.env.UPSTREAM_CIRCUIT, config.upstream.circuit.name), config.upstream.circuit.name, config.upstream.circuit, waitUntil),
    },
  };
}

/** Authorise the caller for this user, then (and only then) read the user's heat pumps (src/heat-pumps/read.ts). */
export async function loadHeatPumps(c: Context<AppEnv>, target: { org_id: string; user_id: string }, options: LoadOptions = {}): Promise<LoadedHeatPumps> {
  const config = configFor(c.env);
  const log = c.get("log");
  const grant = authorize(c.get("principal"), { orgId: target.org_id, userId: target.user_id }, options.scopes ?? REQUIRED_SCOPES.read);
  log.org_id = grant.orgId;
  log.user_id = grant.userId;
  log.issuer = grant.issuer;

  startTime(c, "cache");
  let reading: HeatPumpReading;
  try {
    reading = await readHeatPumps(grant, { forceRefresh: options.forceRefresh ?? requestsRevalidation(c) }, readContext(c, config));
  } finally {
    endTime(c, "cache");
    if (log.upstream_ms !== undefined) setMetric(c, "upstream", log.upstream_ms);
  }
  log.cache = reading.list.cache.status;
  log.heat_pumps = reading.list.items.length;
  if (reading.list.invalid.length > 0) log.invalid_items = reading.list.invalid;
  return reading;
}

/** The answer for `spec`, made once per stored copy (src/heat-pumps/representation.ts), with this read's cache headers. */
export async function answer(c: Context<AppEnv>, reading: HeatPumpReading, spec: RepresentationSpec, headers: Record<string, string> = {}): Promise<Response> {
  const made = await representation(reading, spec, Date.now(), configFor(c.env).stateStaleAfterSeconds);
  return c.body(made.body, 200, { ...cacheHeaders(reading.list.cache), ...headers, "content-type": "application/json", etag: made.etag });
}
