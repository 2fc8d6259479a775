import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { configFor } from "../config/config.ts";
import { RateLimitedError } from "../problems/errors.ts";

const POLICY = "partner";

/** draft-ietf-httpapi-ratelimit-headers: the policy, stated on every partner answer. */
export function rateLimitPolicy(requests: number, periodSeconds: number): string {
  return `"${POLICY}";q=${requests};w=${periodSeconds}`;
}

/**
 * Per-partner rate limiting with the Workers Rate Limiting binding, keyed by token issuer and the token's
 * organisation, after authentication (an unauthenticated flood cannot use up a partner's budget) and before
 * the cache. The binding does not tell how much is left, so `RateLimit` is sent only when the limit is hit.
 * A missing or failing binding lets the request through: limiting protects Podero, it must not break reads.
 */
export function partnerRateLimit(): MiddlewareHandler<AppEnv> {
  return async function partnerRateLimitMiddleware(c, next) {
    const { requests, periodSeconds } = configFor(c.env).rateLimit;
    const limiter = c.env.PARTNER_RATE_LIMITER;
    if (requests === 0 || !limiter) return next();
    const principal = c.get("principal");
    let allowed = true;
    try {
      ({ success: allowed } = await limiter.limit({ key: `${principal.issuer}\n${principal.orgId}` }));
    } catch (error) {
      c.get("log").rate_limit_error = error instanceof Error ? error.message : String(error);
    }
    const policy = rateLimitPolicy(requests, periodSeconds);
    if (!allowed) {
      c.get("log").rate_limited = true;
      throw new RateLimitedError(`More than ${requests} requests in ${periodSeconds} s for this organisation.`, {
        headers: { "retry-after": String(periodSeconds), "ratelimit-policy": policy, ratelimit: `"${POLICY}";r=0;t=${periodSeconds}` },
      });
    }
    await next();
    c.res.headers.set("ratelimit-policy", policy);
  };
}
