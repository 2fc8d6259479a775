import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../app-env.ts";

/**
 * One structured JSON line per request (Workers Logs indexes JSON fields). Only ids, statuses and
 * timings go in: never tokens, secrets, upstream bodies or owners' personal data.
 */
export interface RequestLogFields {
  org_id?: string;
  user_id?: string;
  issuer?: string;
  upstream_status?: number;
  upstream_attempts?: number;
  upstream_ms?: number;
  /** Cache outcome (hit, miss, stale-while-revalidate, …). */
  cache?: string;
  /** Waited for another request's upstream call. */
  collapsed?: boolean;
  cache_error?: string;
  background_error?: string;
  rate_limited?: boolean;
  rate_limit_error?: string;
  embed_origins?: number;
  heat_pumps?: number;
  invalid_items?: { index: number; id: string | null; issues: string[] }[];
  problem?: string;
  error?: string;
}

export function requestLog(): MiddlewareHandler<AppEnv> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    const fields: RequestLogFields = {};
    c.set("log", fields);
    await next();
    const line = {
      level: c.res.status >= 500 ? "error" : c.res.status >= 400 ? "warn" : "info",
      message: "request",
      request_id: c.get("requestId"),
      method: c.req.method,
      route: routePath(c, -1),
      status: c.res.status,
      duration_ms: Math.round(performance.now() - started),
      ...fields,
    };
    console.log(JSON.stringify(line));
  };
}
