/**
 * The service's own routes: liveness, readiness, problem types, the API document and its reference page.
 *
 * @module
 */
import type { EdgeApp } from "../app-env.ts";
import { configFor } from "../config/config.ts";
import { docsPage } from "../docs/page.ts";
import { NotReadyError, PROBLEM_CATALOGUE, RouteNotFoundError } from "../problems/errors.ts";
import { problemType } from "../problems/problem-error.ts";
import { readiness } from "./readiness.ts";
import { healthRoute, problemTypeRoute, readinessRoute } from "./routes.ts";

export function registerServiceRoutes(app: EdgeApp): void {
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readinessRoute, async (c) => {
    const ready = await readiness({ config: configFor(c.env), kv: c.env.CACHE, db: c.env.DB, circuit: c.env.UPSTREAM_CIRCUIT });
    if (ready.status !== "ready") {
      const wait = ready.checks.upstream_circuit.retry_after_s;
      throw new NotReadyError("The edge is not ready; `checks` says which dependency.", { extensions: { checks: ready.checks }, headers: wait ? { "retry-after": String(wait) } : {} });
    }
    return c.json(ready, 200, { "cache-control": "no-store" });
  });
  app.openapi(problemTypeRoute, (c) => {
    const code = c.req.valid("param").code.replaceAll("-", "_");
    const known = PROBLEM_CATALOGUE.find((cls) => cls.spec.code === code);
    if (!known) throw new RouteNotFoundError("No such problem type.");
    const { status, title, description } = known.spec;
    return c.json({ type: problemType(code), code, title, status, description }, 200);
  });
  // Generated at build time (src/meta/api-document.ts) and served as a static asset before the worker; this route
  // answers where the asset layer is not in front (the workerd tests) and gives other methods their 405.
  app.get("/openapi.json", async (c) => {
    const asset = await c.env.ASSETS.fetch(new Request(new URL("/openapi.json", c.req.url)));
    return new Response(asset.body, asset); // headers of its own: the middleware adds to them
  });
  // The script it loads is a static asset (assets/, wrangler.toml [assets]), served before the worker.
  app.get("/docs", docsPage);
}
