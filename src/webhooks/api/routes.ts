import { REQUIRED_SCOPES } from "../../auth/principal.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { OrgId, UserPathParams } from "../../heat-pumps/params.ts";
import { authProblems, upstreamProblems } from "../../openapi/common-responses.ts";
import { QuotaExceededError, RateLimitedError, ValidationError, WebhookNotFoundError } from "../../problems/errors.ts";
import { problemResponses } from "../../problems/openapi.ts";
import { jsonResponse } from "../../openapi/json-response.ts";
import { EVENT_TYPES } from "../store/subscriptions.ts";

const WebhookId = z.string().regex(/^wh_[0-9a-f-]{36}$/, "not a webhook id").openapi({ param: { name: "webhook_id", in: "path" }, example: "wh_3c90c3cc-0d44-4b50-8888-8dd25736052a" });
const OrgParams = z.object({ org_id: OrgId });
const WebhookParams = z.object({ org_id: OrgId, webhook_id: WebhookId });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ param: { name: "limit", in: "query" } }),
  after: z.string().max(64).optional().openapi({ param: { name: "after", in: "query" }, description: "`next` of the previous page." }),
});

const events = z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length).openapi({ description: "Event types to receive; empty or absent: all." });
const userIds = z.array(z.guid().transform((id) => id.toLowerCase())).min(1).max(1000).nullable().openapi({ description: "Only these users' events; null: every watched user." });

export const SubscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(EVENT_TYPES)),
    user_ids: z.array(z.string()).nullable(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    status: z.enum(["active", "failing", "disabled"]),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookSubscription");

const WithSecret = SubscriptionSchema.extend({
  secret: z.string().openapi({ description: "Standard Webhooks signing secret (`whsec_…`). Shown only here: store it." }),
}).openapi("WebhookSubscriptionWithSecret");

const json = jsonResponse;
/** The security requirement names the scopes the operation needs (docs/auth.md "Scopes"). */
const common = { tags: ["Webhooks"], security: [{ bearerAuth: [...REQUIRED_SCOPES.manageWebhooks] }] };
const routesData = { tags: ["Webhooks"], security: [{ bearerAuth: [...REQUIRED_SCOPES.routeWebhookData] }] };
const problems = (...extra: Parameters<typeof problemResponses>) => problemResponses(ValidationError, ...authProblems, ...extra);

export const createWebhookRoute = createRoute({
  ...routesData,
  method: "post",
  path: "/v1/orgs/{org_id}/webhooks",
  operationId: "createWebhook",
  summary: "Subscribe to heat-pump change events",
  request: {
    params: OrgParams,
    body: {
      required: true,
      content: { "application/json": { schema: z.object({ url: z.string().max(2048), events: events.optional(), user_ids: userIds.optional(), description: z.string().max(300).optional() }) } },
    },
  },
  responses: { 201: json(WithSecret, "The subscription, with its secret."), ...problems(QuotaExceededError) },
});

export const listWebhooksRoute = createRoute({
  ...common,
  method: "get",
  path: "/v1/orgs/{org_id}/webhooks",
  operationId: "listWebhooks",
  summary: "List the organisation's webhook subscriptions",
  request: { params: OrgParams, query: Page },
  responses: { 200: json(z.object({ data: z.array(SubscriptionSchema), next: z.string().nullable() }), "One page of subscriptions."), ...problems() },
});

export const getWebhookRoute = createRoute({
  ...common,
  method: "get",
  path: "/v1/orgs/{org_id}/webhooks/{webhook_id}",
  operationId: "getWebhook",
  summary: "Read a webhook subscription",
  request: { params: WebhookParams },
  responses: { 200: json(SubscriptionSchema, "The subscription."), ...problems(WebhookNotFoundError) },
});

export const updateWebhookRoute = createRoute({
  ...routesData,
  method: "patch",
  path: "/v1/orgs/{org_id}/webhooks/{webhook_id}",
  operationId: "updateWebhook",
  summary: "Change a webhook subscription (URL, events, users, enabled)",
  request: {
    params: WebhookParams,
    body: {
      required: true,
      content: { "application/json": { schema: z.object({ url: z.string().max(2048).optional(), events: events.optional(), user_ids: userIds.optional(), description: z.string().max(300).nullable().optional(), enabled: z.boolean().optional() }) } },
    },
  },
  responses: { 200: json(SubscriptionSchema, "The changed subscription."), ...problems(WebhookNotFoundError) },
});

export const deleteWebhookRoute = createRoute({
  ...common,
  method: "delete",
  path: "/v1/orgs/{org_id}/webhooks/{webhook_id}",
  operationId: "deleteWebhook",
  summary: "Remove a webhook subscription",
  request: { params: WebhookParams },
  responses: { 204: { description: "Removed." }, ...problems(WebhookNotFoundError) },
});

export const rotateWebhookSecretRoute = createRoute({
  ...common,
  method: "post",
  path: "/v1/orgs/{org_id}/webhooks/{webhook_id}/rotate-secret",
  operationId: "rotateWebhookSecret",
  summary: "Rotate the signing secret",
  description:
    "A new secret signs every delivery from now on. The previous one signs too (a second signature) for `previous_secret_expires_in` seconds (default 86400; 0 ends it at once, for a leaked secret), so receivers can switch without missing an event.",
  request: {
    params: WebhookParams,
    body: {
      required: false,
      content: { "application/json": { schema: z.object({ previous_secret_expires_in: z.number().int().min(0).max(604800).optional() }) } },
    },
  },
  responses: { 200: json(WithSecret.extend({ previous_secret_valid_until: z.string() }), "The subscription with its new secret."), ...problems(WebhookNotFoundError) },
});

export const putWatchRoute = createRoute({
  ...routesData,
  method: "put",
  path: "/v1/orgs/{org_id}/users/{user_id}/watch",
  operationId: "watchUser",
  summary: "Watch a user's heat pumps for changes",
  description: "A new watch is made only for a user Podero knows (asked through the edge's cache: `404 user_not_found` otherwise, and nothing is stored), within the organisation's quota (`409 quota_exceeded`). Watching a watched user again changes nothing but the issuer answering for it.",
  request: { params: UserPathParams },
  responses: { 200: json(z.object({ user_id: z.string(), watched: z.literal(true), created: z.boolean() }), "Watched (idempotent)."), ...problems(QuotaExceededError, ...upstreamProblems) },
});

export const deleteWatchRoute = createRoute({
  ...common,
  method: "delete",
  path: "/v1/orgs/{org_id}/users/{user_id}/watch",
  operationId: "unwatchUser",
  summary: "Stop watching a user",
  request: { params: UserPathParams },
  responses: { 204: { description: "No longer watched (idempotent)." }, ...problems() },
});

const FeedQuery = z.object({
  after: z.string().regex(/^evc_\d{1,15}$/).optional().openapi({ description: "`next_cursor` of the previous page; none: from the oldest event kept." }),
  limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ description: "At most this many events (1–500, default 100)." }),
  types: z.string().max(500).optional().openapi({ description: "Only these event types, comma-separated.", example: "heat_pump.status_changed,heat_pump.action_required" }),
  user_id: z.uuid().optional().openapi({ description: "Only this user's events." }),
});

const FeedEvent = z
  .object({
    id: z.string().openapi({ description: "The event id: the `webhook-id` its deliveries carry." }),
    type: z.string(),
    timestamp: z.string().openapi({ description: "When the edge saw the change (as in the webhook payload)." }),
    user_id: z.string(),
    data: z.record(z.string(), z.unknown()).openapi({ description: "The webhook payload's `data` (the API document's `webhooks` describe each type)." }),
  })
  .openapi("FeedEvent");

export const listEventsRoute = createRoute({
  ...common,
  security: [{ bearerAuth: [...REQUIRED_SCOPES.read] }],
  method: "get",
  path: "/v1/orgs/{org_id}/events",
  operationId: "listEvents",
  summary: "The organisation's events, in order (the webhooks' events, pulled)",
  description:
    "Every event the edge detected for the organisation's watched users — the same ids, types and payloads its webhooks deliver — oldest first, kept `WEBHOOK_RETENTION_DAYS`. Store `next_cursor` and ask with `after=` it: each event comes exactly once, in order. An organisation-wide token with `heat_pumps:read`.",
  request: { params: OrgParams, query: FeedQuery },
  responses: {
    200: json(z.object({ data: z.array(FeedEvent), next_cursor: z.string().openapi({ description: "Ask with `after=` this next (the same cursor when there was nothing new)." }) }), "One page of events."),
    ...problems(),
  },
});

export const listWatchesRoute = createRoute({
  ...common,
  method: "get",
  path: "/v1/orgs/{org_id}/watches",
  operationId: "listWatches",
  summary: "Which users are watched",
  request: { params: OrgParams, query: Page },
  responses: {
    200: json(z.object({ data: z.array(z.object({ user_id: z.string(), created_at: z.string(), last_checked_at: z.string().nullable() })), next: z.string().nullable() }), "One page of watched users."),
    ...problems(),
  },
});

export const testWebhookRoute = createRoute({
  ...common,
  method: "post",
  path: "/v1/orgs/{org_id}/webhooks/{webhook_id}/test",
  operationId: "testWebhook",
  summary: "Send a webhook.test event now",
  request: { params: WebhookParams },
  responses: { 202: json(z.object({ event_id: z.string() }), "Queued; see the deliveries."), ...problems(WebhookNotFoundError) },
});

export const replayWebhookRoute = createRoute({
  ...routesData,
  method: "post",
  path: "/v1/orgs/{org_id}/webhooks/{webhook_id}/replay",
  operationId: "replayWebhookEvents",
  summary: "Deliver this subscription's past events again",
  description:
    "Re-delivers the events queued for this subscription in `[since, until)` (kept `WEBHOOK_RETENTION_DAYS`), oldest first, each with its " +
    "original `webhook-id` and body (new timestamp and signature), at most 1,000 per call; `only_failed`: those never delivered. " +
    "Once a minute per subscription.",
  request: {
    params: WebhookParams,
    body: {
      required: true,
      content: { "application/json": { schema: z.object({ since: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }).optional(), only_failed: z.boolean().optional() }) } },
    },
  },
  responses: { 202: json(z.object({ replayed: z.number().int() }), "Queued; see the deliveries."), ...problems(WebhookNotFoundError, RateLimitedError) },
});

export const listDeliveriesRoute = createRoute({
  ...common,
  method: "get",
  path: "/v1/orgs/{org_id}/webhooks/{webhook_id}/deliveries",
  operationId: "listWebhookDeliveries",
  summary: "Recent delivery attempts, newest first",
  request: { params: WebhookParams, query: Page },
  responses: {
    200: json(
      z.object({
        data: z.array(
          z.object({
            id: z.string(),
            event_id: z.string(),
            event_type: z.string(),
            attempt: z.number().int(),
            response_status: z.number().int().nullable(),
            duration_ms: z.number().int().nullable(),
            next_retry_at: z.string().nullable(),
            outcome: z.enum(["delivered", "retrying", "disabled", "dead-lettered", "cancelled"]),
            created_at: z.string(),
          }),
        ),
        next: z.string().nullable(),
      }),
      "One page of attempts.",
    ),
    ...problems(WebhookNotFoundError),
  },
});
