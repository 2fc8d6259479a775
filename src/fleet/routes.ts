import { createRoute, z } from "@hono/zod-openapi";
import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { OrgId } from "../heat-pumps/params.ts";
import { CompactHeatPumpSchema, HeatPumpSchema, OverallStatusSchema } from "../heat-pumps/schemas.ts";
import { authProblems } from "../openapi/common-responses.ts";
import { ValidationError } from "../problems/errors.ts";
import { problemResponses } from "../problems/openapi.ts";
import { jsonResponse as json } from "../openapi/json-response.ts";

const common = { tags: ["Heat pumps"], security: [{ bearerAuth: [...REQUIRED_SCOPES.read] }] };
const OrgParams = z.object({ org_id: OrgId });
/** A query parameter that may be repeated: one value or several. */
const repeatable = <T extends z.ZodType>(schema: T, max: number) => z.union([schema, z.array(schema).max(max)]).optional();

export const FleetQuery = z.object({
  view: z.enum(["full", "compact"]).default("full"),
  status: repeatable(OverallStatusSchema, 4).openapi({ description: "Only heat pumps with this overall status (repeatable)." }),
  // At most 50: with the other filters, a query stays within D1's 100 bound parameters.
  user_id: repeatable(z.uuid(), 50).openapi({ description: "Only these users' heat pumps (repeatable, at most 50)." }),
  online: z.enum(["true", "false"]).optional(),
  action_needed: z.literal("true").optional().openapi({ description: "Only heat pumps that need the owner's or the partner's action." }),
  changed_since: z.iso.datetime({ offset: true }).optional().openapi({ description: "Only heat pumps whose state changed since then." }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: z.string().max(400).optional().openapi({ description: "`next` of the previous page (opaque)." }),
});

const FleetItem = z
  .object({
    user_id: z.string(),
    heat_pump: z.union([HeatPumpSchema, CompactHeatPumpSchema]),
    meta: z.object({
      fetched_at: z.string().openapi({ description: "When the edge last read this user's heat pumps from Podero (its latest check)." }),
      stale: z.boolean().openapi({ description: "The latest check is older than two poll intervals (`WEBHOOK_POLL_SECONDS`): the user's checks are failing or behind." }),
    }),
  })
  .openapi("FleetHeatPump");

export const fleetRoute = createRoute({
  ...common,
  method: "get",
  path: "/v1/orgs/{org_id}/heat-pumps",
  operationId: "listFleet",
  summary: "Every heat pump of the organisation's watched users",
  description:
    "From the latest checks of the watched users (no call to Podero per request), sorted by `user_id` then heat pump id, a page at a time. Owners' e-mail and names are never included. An organisation-wide token with `heat_pumps:read`.",
  request: { params: OrgParams, query: FleetQuery },
  responses: {
    200: json(z.object({ data: z.array(FleetItem), next: z.string().nullable() }), "One page of the fleet."),
    ...problemResponses(ValidationError, ...authProblems),
  },
});

export const fleetSummaryRoute = createRoute({
  ...common,
  method: "get",
  path: "/v1/orgs/{org_id}/heat-pumps/summary",
  operationId: "summariseFleet",
  summary: "Counts over the organisation's fleet (a dashboard's header)",
  request: { params: OrgParams },
  responses: {
    200: json(
      z
        .object({
          heat_pumps: z.number().int(),
          by_status: z.object({ ok: z.number().int(), warning: z.number().int(), error: z.number().int(), unknown: z.number().int() }),
          online: z.number().int(),
          action_needed: z.number().int(),
          oldest_fetched_at: z.string().nullable().openapi({ description: "The oldest latest check among the watched users." }),
        })
        .openapi("FleetSummary"),
      "The counts.",
    ),
    ...problemResponses(ValidationError, ...authProblems),
  },
});
