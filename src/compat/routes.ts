import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { authProblems, upstreamProblems } from "../openapi/common-responses.ts";
import { CACHE_RESPONSE_HEADERS } from "../heat-pumps/meta.ts";
import { IfNoneMatch, UserPathParams } from "../heat-pumps/params.ts";
import { ValidationError } from "../problems/errors.ts";
import { problemResponses } from "../problems/openapi.ts";
import { UpstreamHeatPumpSchema } from "../upstream/schema.ts";

export const PoderoHeatPumpSchema = UpstreamHeatPumpSchema.openapi("PoderoHeatPump", {
  description:
    "Podero's own heat pump object (GET /api/partners/v2.0/org/{org_id}/users/{user_id}/heat-pumps), validated, with the reference's " +
    "defaults filled in and decimal strings read as numbers. Without scope `owners:read`, `owner.email`, `owner.first_name` " +
    "and `owner.last_name` are null, and fields Podero adds later are left out (they may be personal data).",
});

export const upstreamCompatibleListRoute = createRoute({
  method: "get",
  path: "/api/partners/v2.0/org/{org_id}/users/{user_id}/heat-pumps",
  operationId: "listHeatPumpsPoderoCompatible",
  tags: ["Podero-compatible"],
  summary: "List a user's heat pumps in Podero's own shape",
  description:
    "Same path and shape as Podero's partner API, so an app migrates by changing only its base URL and token. " +
    "Same auth and semantics as `listHeatPumps`; items the edge cannot read are left out and named in the " +
    "`x-invalid-upstream-items` header (count) and the logs.",
  security: [{ bearerAuth: [...REQUIRED_SCOPES.read] }],
  request: { params: UserPathParams, headers: IfNoneMatch },
  responses: {
    200: {
      description: "The user's heat pumps, as Podero sends them.",
      headers: {
        ...CACHE_RESPONSE_HEADERS,
        "x-fetched-at": { description: "When the edge received the list from Podero.", schema: { type: "string", format: "date-time" } },
        "x-invalid-upstream-items": { description: "How many items were left out because the edge could not read them (absent when 0).", schema: { type: "integer" } },
      },
      content: { "application/json": { schema: z.array(PoderoHeatPumpSchema) } },
    },
    304: { description: "Not modified: the `ETag` sent in `If-None-Match` still matches.", headers: CACHE_RESPONSE_HEADERS },
    ...problemResponses(ValidationError, ...authProblems, ...upstreamProblems),
  },
});
