/**
 * The events the webhook worker sends, as zod schemas: the API document's `webhooks` section is generated from
 * them, and a unit test holds every payload `detectChanges` makes against them, so docs and events cannot drift.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { HeatPumpSchema, OverallStatusSchema } from "../heat-pumps/schemas.ts";

const heatPumpId = z.string().openapi({ format: "uuid" });
const ActionSchema = z.object({ code: z.string(), description: z.string().nullable(), resolution_url: z.string().nullable() });

const event = <T extends string, D extends z.ZodType>(type: T, data: D, description: string) =>
  z.object({ type: z.literal(type), timestamp: z.string().openapi({ format: "date-time", description: "When the edge saw the change." }), data }).openapi({ description });

export const EVENT_SCHEMAS = {
  "heat_pump.created": event("heat_pump.created", z.object({ heat_pump: HeatPumpSchema }), "A heat pump appeared in the user's list."),
  "heat_pump.deleted": event(
    "heat_pump.deleted",
    z.object({ heat_pump_id: heatPumpId, last_known: HeatPumpSchema }),
    "A complete answer from Podero no longer lists it (an unreadable item never counts as deleted).",
  ),
  "heat_pump.status_changed": event(
    "heat_pump.status_changed",
    z.object({ heat_pump_id: heatPumpId, previous: OverallStatusSchema, current: OverallStatusSchema, heat_pump: HeatPumpSchema }),
    "The overall status moved.",
  ),
  "heat_pump.updated": event(
    "heat_pump.updated",
    z.object({ heat_pump: HeatPumpSchema, changed_fields: z.array(z.string()).openapi({ description: "Dotted paths, e.g. `hot_water.actual_c`." }) }),
    "Other fields changed (monitoring timestamps alone do not count).",
  ),
  "heat_pump.action_required": event(
    "heat_pump.action_required",
    z.object({ heat_pump_id: heatPumpId, actions: z.array(ActionSchema).openapi({ description: "The new actions, e.g. `reauthenticate` with its link." }), heat_pump: HeatPumpSchema }),
    "Podero's `actions` gained an entry: prompt the user.",
  ),
  "webhook.test": event("webhook.test", z.object({ webhook_id: z.string() }), "Sent by `POST …/webhooks/{id}/test`."),
} as const;

/** The three Standard Webhooks headers every delivery carries. */
export const DeliveryHeadersSchema = z.object({
  "webhook-id": z.string().openapi({ description: "The event's id: the same on every retry and replay; deduplicate on it." }),
  "webhook-timestamp": z.string().openapi({ description: "Seconds since the epoch when signed; refuse old ones." }),
  "webhook-signature": z.string().openapi({ description: "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; two during a secret rotation." }),
});
