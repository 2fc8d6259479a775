import { OpenAPIHono, type Hook } from "@hono/zod-openapi";
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { etag, RETAINED_304_HEADERS } from "hono/etag";
import { requestId } from "hono/request-id";
import { timing } from "hono/timing";
import type { AppEnv } from "./app-env.ts";
import { registerPartnerAuth } from "./auth/register.ts";
import { registerEmbedRoutes } from "./embed/register.ts";
import { registerFleetRoutes } from "./fleet/register.ts";
import { registerHeatPumpRoutes } from "./heat-pumps/register.ts";
import { DEPRECATIONS } from "./meta/deprecations.ts";
import { registerServiceRoutes } from "./meta/register.ts";
import { allowedMethods } from "./middleware/allowed-methods/index.ts";
import { deprecation } from "./middleware/deprecation/index.ts";
import { securityHeaders } from "./middleware/security-headers/index.ts";
import { requestLog } from "./observability/request-log.ts";
import { PayloadTooLargeError, RouteNotFoundError, ValidationError } from "./problems/errors.ts";
import { problemFor } from "./problems/from-error.ts";
import type { ProblemError } from "./problems/problem-error.ts";
import { PROBLEM_CONTENT_TYPE, problemBody } from "./problems/problem-response.ts";
import { registerWebhookRoutes } from "./webhooks/api/register.ts";

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


  // One registration per capability; each adds its routes, its middleware and its part of the API document.
  const shared = { conditional: etag({ retainedHeaders: [...RETAINED_304_HEADERS, ...HEADERS_KEPT_ON_304] }) };
  registerServiceRoutes(app);
  registerPartnerAuth(app, shared);
  registerEmbedRoutes(app, shared);
  registerHeatPumpRoutes(app);
  registerWebhookRoutes(app);
  registerFleetRoutes(app);

  app.notFound((c) => respondWithProblem(new RouteNotFoundError(`No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), c));
  app.onError(onError);
  return app;
}
