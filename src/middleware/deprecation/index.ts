/**
 * Announces a deprecated operation on every answer it gives: `Deprecation` (RFC 9745, the date it was deprecated,
 * as a structured date `@<epoch seconds>`), `Sunset` (RFC 8594, the HTTP date after which it may stop answering)
 * and `Link` to where the change is explained (`rel="deprecation"`, and `rel="sunset"`). One table says what is
 * deprecated (src/meta/deprecations.ts); each entry is registered on its own path, so Hono's router does the
 * matching. The operation is also marked `deprecated: true` in the API document. Policy: docs/versioning.md.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

export interface DeprecatedOperation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The route in Hono's syntax, e.g. `/v1/orgs/:org_id/users/:user_id/heat-pumps`. */
  path: string;
  /** When it was deprecated (ISO 8601). */
  deprecatedAt: string;
  /** When it may stop answering (ISO 8601); at least 6 months after `deprecatedAt` (docs/versioning.md). */
  sunsetAt: string;
  /** Where the change and the replacement are explained. */
  link: string;
}

/** The header values for one entry; checks the entry once (a bad date is a programming error, found at startup). */
export function deprecationHeaderValues(entry: DeprecatedOperation): Record<string, string> {
  const deprecated = Date.parse(entry.deprecatedAt);
  const sunset = Date.parse(entry.sunsetAt);
  if (!Number.isFinite(deprecated) || !Number.isFinite(sunset) || sunset < deprecated + 181 * 86400_000) {
    throw new Error(`deprecation of ${entry.method} ${entry.path}: dates missing, or sunset less than 6 months after deprecation`);
  }
  return {
    deprecation: `@${Math.floor(deprecated / 1000)}`,
    sunset: new Date(sunset).toUTCString(),
    link: `<${entry.link}>; rel="deprecation", <${entry.link}>; rel="sunset"`,
  };
}

export function deprecation(entry: DeprecatedOperation): MiddlewareHandler {
  const headers = deprecationHeaderValues(entry);
  return async function deprecationMiddleware(c, next) {
    await next();
    if (c.req.method !== entry.method && !(entry.method === "GET" && c.req.method === "HEAD")) return;
    for (const [name, value] of Object.entries(headers)) {
      if (name === "link") c.res.headers.append(name, value);
      else c.res.headers.set(name, value);
    }
  };
}
