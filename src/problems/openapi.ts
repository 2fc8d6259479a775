import { z } from "@hono/zod-openapi";
import type { ProblemClass } from "./errors.ts";
import { PROBLEM_CONTENT_TYPE } from "./problem-response.ts";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ description: "URI reference of the problem type; `GET` it for a description.", example: "/problems/invalid-token" }),
    title: z.string().openapi({ description: "Short, stable summary of the problem type." }),
    status: z.number().int().openapi({ description: "The HTTP status code." }),
    detail: z.string().openapi({ description: "What went wrong with this request." }),
    instance: z.string().openapi({ description: "The request path this problem occurred on." }),
    code: z.string().openapi({ description: "Stable machine-readable code; switch on this.", example: "invalid_token" }),
    request_id: z.string().optional().openapi({ description: "Echo of `x-request-id`; quote it to the operator." }),
    errors: z
      .array(
        z.object({
          in: z.enum(["path", "query", "header", "body"]),
          name: z.string().openapi({ description: "The parameter, or a dotted path into it." }),
          detail: z.string(),
        }),
      )
      .optional()
      .openapi({ description: "Validation failures, one per failing field (code `invalid_request`)." }),
    required_scope: z.string().optional().openapi({ description: "The scope the operation needs (code `insufficient_scope`)." }),
    retry_after_s: z.number().int().optional().openapi({ description: "Seconds to wait (code `upstream_unavailable`)." }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details. Every non-2xx answer of this API has this shape." });

const HEADER_DOCS: Record<number, Record<string, { description: string; schema: { type: "string" | "integer" } }>> = {
  401: { "WWW-Authenticate": { description: 'RFC 6750 challenge, e.g. `Bearer realm="heat-pump-edge", error="invalid_token"`.', schema: { type: "string" } } },
  403: { "WWW-Authenticate": { description: 'RFC 6750 challenge with `error="insufficient_scope"`.', schema: { type: "string" } } },
  429: {
    "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } },
    RateLimit: { description: 'draft-ietf-httpapi-ratelimit-headers: `"partner";r=0;t=<seconds>`.', schema: { type: "string" } },
    "RateLimit-Policy": { description: 'draft-ietf-httpapi-ratelimit-headers: `"partner";q=<requests>;w=<seconds>`.', schema: { type: "string" } },
  },
  503: { "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } } },
};

/** OpenAPI `responses` entries for the problems a route can answer with, grouped by status. */
export function problemResponses(...classes: ProblemClass[]) {
  const byStatus = new Map<number, ProblemClass[]>();
  for (const cls of classes) byStatus.set(cls.spec.status, [...(byStatus.get(cls.spec.status) ?? []), cls]);
  const responses: Record<number, { description: string; headers?: (typeof HEADER_DOCS)[number]; content: Record<string, { schema: typeof ProblemSchema }> }> = {};
  for (const [status, group] of byStatus) {
    responses[status] = {
      description: group.map((cls) => `\`${cls.spec.code}\`: ${cls.spec.description}`).join("\n\n"),
      ...(HEADER_DOCS[status] ? { headers: HEADER_DOCS[status] } : {}),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
  }
  return responses;
}
