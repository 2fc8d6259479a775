import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env.ts";
import { bearerToken } from "../auth/bearer.ts";
import { configFor } from "../config/config.ts";
import { OriginNotAllowedError } from "../problems/errors.ts";
import { verifyEmbedToken, type EmbedClaims } from "./embed-token.ts";
import { embedPrincipal } from "./principal.ts";

function tokenOf(c: Context<AppEnv>): string {
  const fromQuery = c.req.query("token");
  if (fromQuery) return fromQuery;
  return bearerToken(c.req.header("authorization"));
}

/** Verifies the request's embed token once per request (CORS and auth both need it). */
async function claimsOf(c: Context<AppEnv>): Promise<EmbedClaims> {
  const known = c.get("embed");
  if (known) return known;
  const claims = await verifyEmbedToken(configFor(c.env), tokenOf(c));
  c.set("embed", claims);
  return claims;
}

/**
 * CORS for the widget data route (Hono's middleware): `Access-Control-Allow-Origin` only for an origin the
 * request's embed token lists, `Vary: Origin`, never credentials. A preflight carries no Authorization header,
 * so without `?token=` it cannot be checked; it is answered for GET only, and the request itself is checked.
 */
export function embedCors(): MiddlewareHandler<AppEnv> {
  return cors({
    origin: async (origin, c) => {
      if (!origin) return null;
      const preflightWithoutToken = c.req.method === "OPTIONS" && !c.req.query("token");
      if (preflightWithoutToken) return origin;
      try {
        return (await claimsOf(c as Context<AppEnv>)).origins.includes(origin) ? origin : null;
      } catch {
        return null;
      }
    },
    allowMethods: ["GET"],
    allowHeaders: ["authorization", "if-none-match"],
    exposeHeaders: ["etag", "age", "cache-status", "x-request-id"],
    maxAge: 600,
    credentials: false,
  });
}

/** Authenticates an embed token and makes it the request's (read-only) principal. */
export function embedAuth(): MiddlewareHandler<AppEnv> {
  return async function embedAuthMiddleware(c, next) {
    const claims = await claimsOf(c);
    const origin = c.req.header("origin");
    // Browsers send Origin on cross-origin requests; a page not listed in the token may not use it.
    if (origin && origin !== new URL(c.req.url).origin && !claims.origins.includes(origin)) {
      throw new OriginNotAllowedError("This page's origin is not one the embed token was issued for.");
    }
    c.set("principal", embedPrincipal(claims));
    await next();
  };
}
