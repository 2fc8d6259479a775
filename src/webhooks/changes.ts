import type { HeatPump, OverallStatus } from "../heat-pumps/schemas.ts";

// Change detection between two polls of one user's heat pumps: pure, so every rule is tested without a clock
// or a queue. Events follow Standard Webhooks' payload shape ({ type, timestamp, data }) and carry no
// owners' personal data (the heat pumps are reshaped without owners:read, and the owner is left out).

export type ChangeEvent =
  | { type: "heat_pump.created"; data: { heat_pump: HeatPump } }
  | { type: "heat_pump.deleted"; data: { heat_pump_id: string; last_known: HeatPump } }
  | { type: "heat_pump.status_changed"; data: { heat_pump_id: string; previous: OverallStatus; current: OverallStatus; heat_pump: HeatPump } }
  | { type: "heat_pump.updated"; data: { heat_pump: HeatPump; changed_fields: string[] } };

/** Fields that move on every poll by nature: they never make an `updated` event on their own. */
const NOISE = new Set(["updated_at", "freshness.state_updated_at", "freshness.last_monitoring_at", "freshness.stale", "energy.updated_at"]);

function leaves(value: unknown, path: string, into: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, path ? `${path}.${key}` : key, into);
  } else {
    into.set(path, JSON.stringify(value));
  }
  return into;
}

/** Dotted paths of the fields that differ, noise left out. */
export function changedFields(previous: HeatPump, current: HeatPump): string[] {
  const before = leaves(previous, "", new Map());
  const after = leaves(current, "", new Map());
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => !NOISE.has(path) && before.get(path) !== after.get(path)).sort();
}

/** What a webhook may say about a heat pump: the reshaped heat pump without its owner or fields unknown to the edge. */
export function publicHeatPump(heatPump: HeatPump): HeatPump {
  return { ...heatPump, owner: { id: heatPump.owner.id, external_id: null }, additional_upstream_fields: {} };
}

/**
 * Events between the last snapshot and this poll. No snapshot yet (the first poll of a watch) is a baseline:
 * no events. Heat pumps without an id cannot be followed and are skipped. A status move is one
 * `status_changed`; other differences are one `updated` with the changed fields.
 */
export function detectChanges(previous: HeatPump[] | undefined, current: HeatPump[]): ChangeEvent[] {
  if (!previous) return [];
  const before = new Map(previous.filter((hp) => hp.id).map((hp) => [hp.id!, publicHeatPump(hp)]));
  const after = new Map(current.filter((hp) => hp.id).map((hp) => [hp.id!, publicHeatPump(hp)]));
  const events: ChangeEvent[] = [];
  for (const [id, heatPump] of after) {
    const old = before.get(id);
    if (!old) {
      events.push({ type: "heat_pump.created", data: { heat_pump: heatPump } });
      continue;
    }
    const statusMoved = old.status.overall !== heatPump.status.overall;
    if (statusMoved) {
      events.push({ type: "heat_pump.status_changed", data: { heat_pump_id: id, previous: old.status.overall, current: heatPump.status.overall, heat_pump: heatPump } });
    }
    // A status move is told once: what moved with it (connection, online, action needed …) is in its payload.
    const changed = changedFields(old, heatPump).filter((field) => !(statusMoved && field.startsWith("status.")));
    if (changed.length > 0) events.push({ type: "heat_pump.updated", data: { heat_pump: heatPump, changed_fields: changed } });
  }
  for (const [id, heatPump] of before) {
    if (!after.has(id)) events.push({ type: "heat_pump.deleted", data: { heat_pump_id: id, last_known: heatPump } });
  }
  return events;
}

/** The Standard Webhooks payload of an event. */
export function webhookPayload(event: ChangeEvent | { type: "webhook.test"; data: Record<string, unknown> }, now: Date): string {
  return JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event.data });
}
