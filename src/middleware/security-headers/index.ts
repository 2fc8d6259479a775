/**
 * The browser-hardening headers on every answer — Hono's `secureHeaders` defaults, as fixed values: the edge sets
 * no per-request policy here (the card and /docs write their own CSP), and the generic middleware costs the
 * worker's bundle about a kilobyte for what is a constant list. The card is framed by partners' pages, so it has no
 * X-Frame-Options (its CSP frame-ancestors decides) and no Cross-Origin-Opener-Policy.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

const EVERYWHERE: readonly (readonly [string, string])[] = [
  ["origin-agent-cluster", "?1"],
  ["referrer-policy", "no-referrer"],
  ["strict-transport-security", "max-age=15552000; includeSubDomains"],
  ["x-content-type-options", "nosniff"],
  ["x-dns-prefetch-control", "off"],
  ["x-download-options", "noopen"],
  ["x-permitted-cross-domain-policies", "none"],
  ["x-xss-protection", "0"],
];
const NOT_FRAMED: readonly (readonly [string, string])[] = [
  ["cross-origin-opener-policy", "same-origin"],
  ["x-frame-options", "SAMEORIGIN"],
];

/** `framed(path)`: answers made to be framed by other origins (the card). */
export function securityHeaders(framed: (path: string) => boolean): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of EVERYWHERE) headers.set(name, value);
    if (!framed(c.req.path)) for (const [name, value] of NOT_FRAMED) headers.set(name, value);
  };
}
