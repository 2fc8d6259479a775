import { OpenAPIHono, type Hook } from "@hono/zod-openapi";
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { etag, RETAINED_304_HEADERS } from "hono/etag";
import { requestId } from "hono/request-id";
import { timing } from "hono/timing";
import type { AppEnv } from "./app-env.ts";
import { partnerAuth } from "./auth/middleware.ts";
import { listHeatPumpsPoderoCompatible } from "./compat/handlers.ts";
import { docsPage } from "./docs/page.ts";
import { createEmbedToken, embedHeatPumps, embedJwks } from "./embed/handlers.ts";
import { embedAuth, embedCors } from "./embed/middleware.ts";
import { createEmbedTokenRoute, embedCardRoute, embedHeatPumpsRoute, embedLoaderRoute, jwksRoute } from "./embed/routes.ts";
import { cardPage, embedLoader } from "./embed/card/handlers.ts";
import { upstreamCompatibleListRoute } from "./compat/routes.ts";
import { getHeatPump, listHeatPumps, refreshHeatPumps } from "./heat-pumps/handlers.ts";
import { getHeatPumpRoute, listHeatPumpsRoute, refreshHeatPumpsRoute } from "./heat-pumps/routes.ts";
import { configFor } from "./config/config.ts";
import { readiness } from "./meta/readiness.ts";
import { healthRoute, problemTypeRoute, readinessRoute } from "./meta/routes.ts";
import { allowedMethods } from "./middleware/allowed-methods/index.ts";
import { securityHeaders } from "./middleware/security-headers/index.ts";
import { deprecation } from "./middleware/deprecation/index.ts";
import { DEPRECATIONS } from "./meta/deprecations.ts";
import { NotReadyError, PayloadTooLargeError, PROBLEM_CATALOGUE, RouteNotFoundError, ValidationError } from "./problems/errors.ts";
import { problemFor } from "./problems/from-error.ts";
import { problemType, type ProblemError } from "./problems/problem-error.ts";
import { PROBLEM_CONTENT_TYPE, problemBody } from "./problems/problem-response.ts";
import { requestLog } from "./observability/request-log.ts";
import { DeliveryHeadersSchema, EVENT_SCHEMAS } from "./webhooks/event-schemas.ts";
import * as webhooks from "./webhooks/api/handlers.ts";
import * as webhookRoutes from "./webhooks/api/routes.ts";
import { partnerRateLimit } from "./rate-limit/middleware.ts";

const MAX_BODY_BYTES = 64 * 1024;

/** A 304 keeps what a 200 would have said about caching and the request (RFC 9110 §15.4.5). */
const HEADERS_KEPT_ON_304 = ["age", "cache-status", "x-request-id", "ratelimit-policy", "x-fetched-at"];

const VALIDATION_TARGETS: Record<string, "path" | "query" | "header" | "body"> = { param: "path", query: "query", header: "header", json: "body", form: "body" };

/** zod-openapi's validation failures become one 400 problem listing every failing field. */
const validationProblem: Hook<unknown, AppEnv, string, undefined> = (result) => {
  if (result.success) return;
  const location = VALIDATION_TARGETS[result.target] ?? "body";
  const errors = result.error.issues.map((issue) => ({ in: location, name: issue.path.join(".") || "(root)", detail: issue.message }));
  throw new ValidationError(errors.map((error) => error.detail).join("; "), { extensions: { errors } });
};

function respondWithProblem(error: ProblemError, c: Context<AppEnv>): Response {
  const body = problemBody(error, { instance: new URL(c.req.url).pathname, requestId: c.get("requestId") });
  return c.body(JSON.stringify(body), error.status, { ...error.headers, "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store" });
}

/** Everything thrown becomes a problem answer here, and nothing else writes one: never an unhandled 500. */
function onError(error: Error, c: Context<AppEnv>): Response {
  const problem = problemFor(error);
  const log = c.get("log");
  if (log) {
    log.problem = problem.code;
    if (problem.status >= 500) log.error = causeChain(problem);
  }
  return respondWithProblem(problem, c);
}

/**
 * Messages of the cause chain (never values of tokens or secrets: none are put into errors), each labelled by
 * its stable `code` where it has one (ours, jose's): class names do not survive the minified bundle.
 */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error && messages.length < 5; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    messages.push(`${typeof code === "string" ? code : current.name}: ${current.message}`);
  }
  return messages.join(" <- ");
}

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationProblem });

  app.use(requestId({ headerName: "x-request-id", limitLength: 128 }));
  app.use(requestLog());
  app.use(allowedMethods(app as unknown as Hono<never>));
  // Every body this API takes is a small JSON object; a larger one is refused before anything reads it.
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new PayloadTooLargeError("The request body is larger than the edge accepts (64 KiB)."); } }));
  app.use(timing({ total: true, totalDescription: "total" }));
  // The card is made to be framed by partners' pages: its CSP frame-ancestors (the token's origins) decides,
  // so it gets no X-Frame-Options; everything else keeps Hono's defaults.
  app.use(securityHeaders((path) => path.startsWith("/embed")));
  for (const entry of DEPRECATIONS) app.use(entry.path, deprecation(entry));

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

  const conditional = etag({ retainedHeaders: [...RETAINED_304_HEADERS, ...HEADERS_KEPT_ON_304] });
  for (const partnerRoutes of ["/v1/orgs/*", "/api/partners/*"]) {
    app.use(partnerRoutes, partnerAuth(), partnerRateLimit(), conditional);
  }
  // Embed routes take the edge's own short-lived embed tokens, never partner tokens.
  app.use("/v1/embed/*", embedCors(), embedAuth(), partnerRateLimit(), conditional);
  app.openapi(embedHeatPumpsRoute, embedHeatPumps);
  app.openapi(createEmbedTokenRoute, createEmbedToken);
  app.openapi(jwksRoute, embedJwks);
  app.use("/embed/heat-pumps", conditional);
  // HTML and JavaScript, not JSON: plain routes, described in the same document.
  app.get("/embed/heat-pumps", cardPage);
  app.get("/embed.js", embedLoader);
  app.openAPIRegistry.registerPath(embedCardRoute);
  app.openAPIRegistry.registerPath(embedLoaderRoute);
  app.openapi(listHeatPumpsRoute, listHeatPumps);
  app.openapi(refreshHeatPumpsRoute, refreshHeatPumps);
  app.openapi(getHeatPumpRoute, getHeatPump);
  app.openapi(webhookRoutes.createWebhookRoute, webhooks.createWebhook);
  app.openapi(webhookRoutes.listWebhooksRoute, webhooks.listWebhooks);
  app.openapi(webhookRoutes.getWebhookRoute, webhooks.getWebhook);
  app.openapi(webhookRoutes.updateWebhookRoute, webhooks.updateWebhook);
  app.openapi(webhookRoutes.deleteWebhookRoute, webhooks.deleteWebhook);
  app.openapi(webhookRoutes.rotateWebhookSecretRoute, webhooks.rotateWebhookSecret);
  app.openapi(webhookRoutes.testWebhookRoute, webhooks.testWebhook);
  app.openapi(webhookRoutes.replayWebhookRoute, webhooks.replayWebhookEvents);
  app.openapi(webhookRoutes.listDeliveriesRoute, webhooks.listDeliveries);
  app.openapi(webhookRoutes.putWatchRoute, webhooks.putWatch);
  app.openapi(webhookRoutes.deleteWatchRoute, webhooks.deleteWatch);
  app.openapi(webhookRoutes.listWatchesRoute, webhooks.listWatches);
  app.openapi(upstreamCompatibleListRoute, listHeatPumpsPoderoCompatible);

  // The events the webhook worker sends (OpenAPI 3.1 `webhooks`), from the schemas its payloads are held to.
  for (const [type, schema] of Object.entries(EVENT_SCHEMAS)) {
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      operationId: type.replace(".", "_"),
      tags: ["Webhooks"],
      // The receiver's side: it authenticates the edge by the signature, not by a token.
      security: [],
      summary: type,
      description: schema.description,
      request: { headers: DeliveryHeadersSchema, body: { required: true, content: { "application/json": { schema } } } },
      responses: { 204: { description: "2xx: delivered. 410: the subscription is disabled. Anything else: retried on the schedule." } },
    });
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "embedToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An embed token from `createEmbedToken` (`typ: embed+jwt`); partner tokens are refused here.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "embedTokenQuery", { type: "apiKey", in: "query", name: "token", description: "The embed token as `?token=` (iframes)." });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A partner JWT from an issuer in `PARTNER_ISSUERS`: RS256, PS256, ES256 or EdDSA; `aud` = `JWT_AUDIENCE`; " +
      "`exp` required; claims `org_id`, `scope` (space-separated) and optionally `user_id`. Each operation lists every scope " +
      "it needs; `owners:read` adds owners' e-mail and names.",
  });
  // Generated at build time (src/meta/api-document.ts) and served as a static asset before the worker; this route
  // answers where the asset layer is not in front (the workerd tests) and gives other methods their 405.
  app.get("/openapi.json", async (c) => {
    const asset = await c.env.ASSETS.fetch(new Request(new URL("/openapi.json", c.req.url)));
    return new Response(asset.body, asset); // headers of its own: the middleware adds to them
  });
  // The script it loads is a static asset (assets/, wrangler.toml [assets]), served before the worker.
  app.get("/docs", docsPage);

  app.notFound((c) => respondWithProblem(new RouteNotFoundError(`No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), c));
  app.onError(onError);
  return app;
}
