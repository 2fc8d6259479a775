/**
 * One change, one event id, forever. The id is a hash of the organisation, the user, the heat pump, the event
 * type, the snapshot the change moves from (its `taken_at`) and the content it moves to: a check that runs twice
 * (a retried queue message, a crash after queueing, a second cron run) makes the same `webhook-id`, so receivers
 * can deduplicate, while the same change happening again later (from a newer snapshot) is a new event.
 *
 * @module
 */
import type { HeatPump } from "../heat-pumps/schemas.ts";
import { contentOf, eventHeatPumpId, type ChangeEvent } from "./changes.ts";

export interface EventOrigin {
  orgId: string;
  userId: string;
  /** `taken_at` of the snapshot compared with. */
  snapshotTakenAt: string;
}

function movedTo(event: ChangeEvent): HeatPump | undefined {
  return event.type === "heat_pump.deleted" ? undefined : event.data.heat_pump;
}

export async function eventId(origin: EventOrigin, event: ChangeEvent): Promise<string> {
  const to = movedTo(event);
  const key = [origin.orgId, origin.userId, eventHeatPumpId(event), event.type, origin.snapshotTakenAt, to ? contentOf(to) : "gone"].join("\n");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `msg_${[...digest.slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
