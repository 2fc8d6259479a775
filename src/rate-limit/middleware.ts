import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { Principal } from "../auth/principal.ts";
import { configFor } from "../config/config.ts";
import { EMBED_ISSUER_KEY } from "../embed/principal.ts";
import { RateLimitedError } from "../problems/errors.ts";

const POLICY = "partner";

/** draft-ietf-httpapi-ratelimit-headers: the policy, stated on every partner answer. */
export function rateLimitPolicy(requests: number, periodSeconds: number): string {
  return `"${POLICY}";q=${requests};w=${periodSeconds}`;
}

/**
 * Whose budget a request spends: a partner's is its token issuer and organisation; embed traffic (the card and
 * the widget data, read by any viewer of a partner's page) has one per organisation and user, so one viewer, or
 * one busy page, cannot spend a whole organisation's budget.
 */
export function rateLimitKey(principal: Principal): string {
  if (principal.issuer === EMBED_ISSUER_KEY) return `embed\n${principal.orgId}\n${principal.userId ?? ""}`;
  return `${principal.issuer}\n${principal.orgId}`;
}

/**
 * Spends one request of the principal's budget (Workers Rate Limiting binding), or throws `429 rate_limited`.
 * Runs after authentication (an unauthenticated flood cannot use up anyone's budget) and before the cache. The
 * binding does not tell how much is left, so `RateLimit` is sent only when the limit is hit. A missing or failing
 * binding lets the request through: limiting protects Podero, it must not break reads.
 * Returns the `RateLimit-Policy` header value to send on the answer, or undefined when limiting is off.
 */
export async function spendRateLimit(c: Context<AppEnv>, principal: Principal): Promise<string | undefined> {
  const { requests, periodSeconds } = configFor(c.env).rateLimit;
  const limiter = c.env.PARTNER_RATE_LIMITER;
  if (requests === 0 || !limiter) return undefined;
  let allowed = true;
  try {
    ({ success: allowed } = await limiter.limit({ key: rateLimitKey(principal) }));
  } catch (error) {
    c.get("log").rate_limit_error = error instanceof Error ? error.message : String(error);
  }
  const policy = rateLimitPolicy(requests, periodSeconds);
  if (!allowed) {
    c.get("log").rate_limited = true;
    const whose = principal.issuer === EMBED_ISSUER_KEY ? "this user's embeds" : "this organisation";
    throw new RateLimitedError(`More than ${requests} requests in ${periodSeconds} s for ${whose}.`, {
      headers: { "retry-after": String(periodSeconds), "ratelimit-policy": policy, ratelimit: `"${POLICY}";r=0;t=${periodSeconds}` },
    });
  }
  return policy;
}

/** `spendRateLimit` for the request's principal, as middleware; the policy is stated on the answer. */
export function partnerRateLimit(): MiddlewareHandler<AppEnv> {
  return async function partnerRateLimitMiddleware(c, next) {
    const policy = await spendRateLimit(c, c.get("principal"));
    await next();
    if (policy) c.res.headers.set("ratelimit-policy", policy);
  };
}
