import { createRoute, z } from "@hono/zod-openapi";
import { RouteNotFoundError } from "../problems/errors.ts";
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
