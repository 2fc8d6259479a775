/**
 * `405 Method Not Allowed` with `Allow` (RFC 9110 §15.5.6) for a known path asked with a method it does not
 * have, before authentication runs: the API document is public, so the answer gives nothing away, and a client
 * learns its mistake instead of a 404 or a 401.
 *
 * @module
 */
import type { Hono, MiddlewareHandler } from "hono";
import { MethodNotAllowedError } from "../../problems/errors.ts";

interface PathMethods {
  pattern: RegExp;
  methods: Set<string>;
}

/** Hono's path syntax (`/a/:id`, `/a/:id{[0-9]+}`, `/a/*`) as an anchored regular expression. */
function pathPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => {
      if (segment === "*") return ".*";
      const param = /^:[^{]+(?:\{(.+)\})?$/.exec(segment);
      if (param) return param[1] ? `(?:${param[1]})` : "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}/?$`);
}

function index(routes: Hono["routes"]): PathMethods[] {
  const byPath = new Map<string, Set<string>>();
  for (const route of routes) {
    if (route.method === "ALL") continue; // middleware
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
    byPath.set(route.path, methods);
  }
  return [...byPath].map(([path, methods]) => ({ pattern: pathPattern(path), methods }));
}

/** Register first; `app` is read on the first request, when every route is known. */
export function allowedMethods(app: Hono<never>): MiddlewareHandler {
  let table: PathMethods[] | undefined;
  return async function allowedMethodsMiddleware(c, next) {
    table ??= index(app.routes);
    const path = c.req.path;
    const matching = table.filter((entry) => entry.pattern.test(path));
    const preflight = c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
    if (matching.length > 0 && !preflight && !matching.some((entry) => entry.methods.has(c.req.method))) {
      const allow = [...new Set(matching.flatMap((entry) => [...entry.methods]))].sort().join(", ");
      throw new MethodNotAllowedError(`${c.req.method} is not allowed on ${path}; use ${allow}.`, { headers: { allow } });
    }
    await next();
  };
}
