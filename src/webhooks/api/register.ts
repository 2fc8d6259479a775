/**
 * Webhooks: subscriptions, secrets, test events, replays, the delivery log and watched users; and the events the
 * webhook worker sends, in the API document's `webhooks`.
 *
 * @module
 */
import type { EdgeApp } from "../../app-env.ts";
import { DeliveryHeadersSchema, EVENT_SCHEMAS } from "../event-schemas.ts";
import * as webhooks from "./handlers.ts";
import * as routes from "./routes.ts";

export function registerWebhookRoutes(app: EdgeApp): void {
  app.openapi(routes.createWebhookRoute, webhooks.createWebhook);
  app.openapi(routes.listWebhooksRoute, webhooks.listWebhooks);
  app.openapi(routes.getWebhookRoute, webhooks.getWebhook);
  app.openapi(routes.updateWebhookRoute, webhooks.updateWebhook);
  app.openapi(routes.deleteWebhookRoute, webhooks.deleteWebhook);
  app.openapi(routes.rotateWebhookSecretRoute, webhooks.rotateWebhookSecret);
  app.openapi(routes.testWebhookRoute, webhooks.testWebhook);
  app.openapi(routes.replayWebhookRoute, webhooks.replayWebhookEvents);
  app.openapi(routes.listDeliveriesRoute, webhooks.listDeliveries);
  app.openapi(routes.putWatchRoute, webhooks.putWatch);
  app.openapi(routes.deleteWatchRoute, webhooks.deleteWatch);
  app.openapi(routes.listWatchesRoute, webhooks.listWatches);
  app.openapi(routes.listEventsRoute, webhooks.listEvents);

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
}
