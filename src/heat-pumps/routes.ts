import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { authProblems, upstreamProblems } from "../openapi/common-responses.ts";
import { HeatPumpNotFoundError, ValidationError } from "../problems/errors.ts";
import { problemResponses } from "../problems/openapi.ts";
import { CACHE_RESPONSE_HEADERS, ItemMetaSchema, ListMetaSchema, RefreshMetaSchema } from "./meta.ts";
import { HeatPumpPathParams, IfNoneMatch, ListQuery, UserPathParams, ViewQuery } from "./params.ts";
import { CompactHeatPumpSchema, HeatPumpSchema } from "./schemas.ts";

const HeatPumpView = z.union([HeatPumpSchema, CompactHeatPumpSchema]).openapi({ description: "`HeatPump` with `view=full`, `CompactHeatPump` with `view=compact`." });

export const listHeatPumpsRoute = createRoute({
  method: "get",
  path: "/v1/orgs/{org_id}/users/{user_id}/heat-pumps",
  operationId: "listHeatPumps",
  tags: ["Heat pumps"],
  summary: "List a user's heat pumps",
  description: "Scope `heat_pumps:read`; the token's `org_id` must be the path's. Items Podero sent that the edge could not read are listed in `meta.invalid_items`.",
  security: [{ bearerAuth: [...REQUIRED_SCOPES.read] }],
  request: { params: UserPathParams, query: ListQuery, headers: IfNoneMatch },
  responses: {
    200: {
      description: "The user's heat pumps.",
      headers: CACHE_RESPONSE_HEADERS,
      content: { "application/json": { schema: z.object({ data: z.array(HeatPumpView), meta: ListMetaSchema }).openapi("HeatPumpList") } },
    },
    304: { description: "Not modified: the `ETag` sent in `If-None-Match` still matches.", headers: CACHE_RESPONSE_HEADERS },
    ...problemResponses(ValidationError, ...authProblems, ...upstreamProblems),
  },
});

export const refreshHeatPumpsRoute = createRoute({
  method: "post",
  path: "/v1/orgs/{org_id}/users/{user_id}/heat-pumps/refresh",
  operationId: "refreshHeatPumps",
  tags: ["Heat pumps"],
  summary: "Revalidate a user's heat pumps with Podero now",
  description:
    "Scopes `heat_pumps:read` + `heat_pumps:refresh`. Asks Podero now and updates the edge's cache for every reader, at most once per key per " +
    "`CACHE_REFRESH_MIN_INTERVAL_SECONDS`; within that interval it answers from the cache with `meta.refreshed: false`. " +
    "Answers the list like `listHeatPumps`. (`Cache-Control: no-cache` on a GET does the same, from a token with both scopes.)",
  security: [{ bearerAuth: [...REQUIRED_SCOPES.refresh] }],
  request: { params: UserPathParams, query: ListQuery },
  responses: {
    200: {
      description: "The user's heat pumps, revalidated unless throttled.",
      headers: CACHE_RESPONSE_HEADERS,
      content: { "application/json": { schema: z.object({ data: z.array(HeatPumpView), meta: RefreshMetaSchema }).openapi("HeatPumpRefresh") } },
    },
    ...problemResponses(ValidationError, ...authProblems, ...upstreamProblems),
  },
});

export const getHeatPumpRoute = createRoute({
  method: "get",
  path: "/v1/orgs/{org_id}/users/{user_id}/heat-pumps/{heat_pump_id}",
  operationId: "getHeatPump",
  tags: ["Heat pumps"],
  summary: "Get one of a user's heat pumps",
  description: "Scope `heat_pumps:read`. 404 `heat_pump_not_found` when the user has no heat pump with this id.",
  security: [{ bearerAuth: [...REQUIRED_SCOPES.read] }],
  request: { params: HeatPumpPathParams, query: ViewQuery, headers: IfNoneMatch },
  responses: {
    304: { description: "Not modified: the `ETag` sent in `If-None-Match` still matches.", headers: CACHE_RESPONSE_HEADERS },
    200: {
      description: "The heat pump.",
      headers: CACHE_RESPONSE_HEADERS,
      content: { "application/json": { schema: z.object({ data: HeatPumpView, meta: ItemMetaSchema }).openapi("HeatPumpItem") } },
    },
    ...problemResponses(ValidationError, ...authProblems, HeatPumpNotFoundError, ...upstreamProblems),
  },
});
