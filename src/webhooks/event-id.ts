/**
 * One change, one event id, forever. The id is a hash of the organisation, the user, the heat pump, the event
 * type, the snapshot the change moves from (its `taken_at`) and what identifies the change — not the whole new
 * content, which moves between two runs (power, temperatures): a check that runs twice (a retried queue message, a
 * crash after queueing, a second cron run, two runs racing) makes the same `webhook-id` for the same change, so
 * receivers can deduplicate, while the same change happening again later (from a newer snapshot) is a new event.
 *
 * @module
 */
import { eventHeatPumpId, type ChangeEvent } from "./changes.ts";

export interface EventOrigin {
  orgId: string;
  userId: string;
  /** `taken_at` of the snapshot compared with. */
  snapshotTakenAt: string;
}

/** What makes this change this change, stable between two runs from the same snapshot. */
function identity(event: ChangeEvent): string {
  switch (event.type) {
    case "heat_pump.created":
    case "heat_pump.deleted":
      return "";
    case "heat_pump.status_changed":
      return `${event.data.previous}>${event.data.current}`;
    case "heat_pump.action_required":
      return event.data.actions.map((action) => action.code).sort().join(",");
    case "heat_pump.updated":
      return [...event.data.changed_fields].sort().join(",");
  }
}

export async function eventId(origin: EventOrigin, event: ChangeEvent): Promise<string> {
  const key = [origin.orgId, origin.userId, eventHeatPumpId(event), event.type, origin.snapshotTakenAt, identity(event)].join("\n");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `msg_${[...digest.slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
