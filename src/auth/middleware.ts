import type { MiddlewareHandler } from "hono";
import { endTime, startTime } from "hono/timing";
import { configFor } from "../config/config.ts";
import type { AppEnv } from "../app-env.ts";
import { bearerToken } from "./bearer.ts";
import { verifyPartnerToken } from "./verify-token.ts";

/**
 * Authenticates the partner token and puts the principal on the context. Authorisation against the
 * path (organisation, user, scope) happens in the handler with `authorize`, after the path is validated,
 * so a malformed id is a 400 and a well-formed foreign one a 403.
 */
export function partnerAuth(): MiddlewareHandler<AppEnv> {
  return async function partnerAuthMiddleware(c, next) {
    startTime(c, "auth");
    try {
      const token = bearerToken(c.req.header("authorization"));
      c.set("principal", await verifyPartnerToken(token, configFor(c.env)));
    } finally {
      endTime(c, "auth");
    }
    await next();
  };
}
