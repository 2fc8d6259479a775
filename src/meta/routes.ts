import { createRoute, z } from "@hono/zod-openapi";
import { NotReadyError, RouteNotFoundError } from "../problems/errors.ts";
import { problemResponses } from "../problems/openapi.ts";

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  operationId: "health",
  tags: ["Service"],
  summary: "Liveness",
  description: "No auth, no upstream call: says the worker runs.",
  security: [],
  responses: {
    200: {
      description: "The worker runs.",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }).openapi("Health") } },
    },
  },
});

export const ProblemTypeSchema = z
  .object({
    type: z.string(),
    code: z.string(),
    title: z.string(),
    status: z.number().int(),
    description: z.string(),
  })
  .openapi("ProblemType");

export const problemTypeRoute = createRoute({
  method: "get",
  path: "/problems/{code}",
  operationId: "describeProblemType",
  tags: ["Service"],
  summary: "Describe a problem type",
  description: "The `type` of every problem answer resolves here.",
  security: [],
  request: {
    params: z.object({
      code: z.string().max(64).openapi({ param: { name: "code", in: "path" }, example: "invalid-token" }),
    }),
  },
  responses: {
    200: { description: "The problem type.", content: { "application/json": { schema: ProblemTypeSchema } } },
    ...problemResponses(RouteNotFoundError),
  },
});

const DependencySchema = z.object({ ok: z.boolean(), ms: z.number().int().optional(), error: z.string().optional() });

export const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.object({
      kv: DependencySchema,
      d1: DependencySchema,
      upstream_circuit: z.object({ state: z.enum(["closed", "open", "half-open", "unreachable", "unknown"]), since: z.string().nullable(), retry_after_s: z.number().int().optional(), reason: z.string().optional(), background_paused_until: z.string().optional() }),
      upstream_credentials: z.object({ kind: z.enum(["static", "client_credentials"]), token_age_s: z.number().int().nullable(), last_refresh: z.object({ at: z.string(), outcome: z.enum(["ok", "refused_or_failed"]) }).nullable() }),
      webhooks: z.object({ last_delivery_at: z.string().nullable() }),
    }),
  })
  .openapi("Readiness", { description: "Each dependency: KV and D1 answer; the upstream circuit (`background_paused_until`: Podero asked the edge to wait, background polling pauses till then; `unreachable`: bound but not answering, e.g. the webhook worker hosting it is not deployed — not ready, though calls go through; `unknown`: not bound); this isolate's view of the Podero credentials; the last webhook delivery attempt." });

export const readinessRoute = createRoute({
  method: "get",
  path: "/health/ready",
  operationId: "readiness",
  tags: ["Service"],
  summary: "Readiness: the state of each dependency",
  description: "No auth, no personal data, no upstream call; reused for 5 s. 503 while KV or D1 fails or the upstream circuit is open.",
  security: [],
  responses: {
    200: { description: "Ready.", content: { "application/json": { schema: ReadinessSchema } } },
    ...problemResponses(NotReadyError),
  },
});
