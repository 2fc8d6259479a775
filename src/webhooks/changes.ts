import type { HeatPump, OverallStatus } from "../heat-pumps/schemas.ts";

// Change detection between two polls of one user's heat pumps: pure, so every rule is tested without a clock
// or a queue. Events follow Standard Webhooks' payload shape ({ type, timestamp, data }) and carry no
// owners' personal data (the heat pumps are reshaped without owners:read, and the owner is left out).
// An event must be true: a heat pump is deleted only when a complete answer leaves it out, never because one
// item of Podero's answer could not be read.

type Action = HeatPump["status"]["actions"][number];

export type ChangeEvent =
  | { type: "heat_pump.created"; data: { heat_pump: HeatPump } }
  | { type: "heat_pump.deleted"; data: { heat_pump_id: string; last_known: HeatPump } }
  | { type: "heat_pump.status_changed"; data: { heat_pump_id: string; previous: OverallStatus; current: OverallStatus; heat_pump: HeatPump } }
  | { type: "heat_pump.updated"; data: { heat_pump: HeatPump; changed_fields: string[] } }
  | { type: "heat_pump.action_required"; data: { heat_pump_id: string; actions: Action[]; heat_pump: HeatPump } };

export type ChangeEventType = ChangeEvent["type"];

/** Items of this poll's answer that could not be read: by id where Podero's id was readable. */
export interface Unreadable {
  ids: ReadonlySet<string>;
  /** Some unreadable item had no readable id: any heat pump missing from the answer may be it. */
  anonymous: boolean;
}

export const ALL_READ: Unreadable = { ids: new Set(), anonymous: false };

/** Fields that move on every poll by nature: they never make an `updated` event on their own. */
const NOISE = new Set(["updated_at", "freshness.state_updated_at", "freshness.last_monitoring_at", "freshness.stale", "energy.updated_at"]);
/** What an `action_required` event already tells: not repeated as `updated` fields. */
const ACTION_FIELDS = new Set(["status.actions", "status.action_needed"]);

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

function byId(heatPumps: readonly HeatPump[]): Map<string, HeatPump> {
  return new Map(heatPumps.filter((hp) => hp.id).map((hp) => [hp.id!, publicHeatPump(hp)]));
}

/** Was this heat pump perhaps in the answer, but unreadable? Then nothing may be concluded about it. */
function maybeUnreadable(id: string, unreadable: Unreadable): boolean {
  return unreadable.anonymous || unreadable.ids.has(id);
}

/**
 * Events between the last snapshot and this poll. No snapshot yet (the first poll of a watch) is a baseline:
 * no events. Heat pumps without an id cannot be followed and are skipped. A status move is one
 * `status_changed`; new entries in `actions` one `action_required`; other differences one `updated` with the
 * changed fields. A heat pump that is missing but may be among the unreadable items is not `deleted`.
 */
export function detectChanges(previous: HeatPump[] | undefined, current: HeatPump[], unreadable: Unreadable = ALL_READ): ChangeEvent[] {
  if (!previous) return [];
  const before = byId(previous);
  const after = byId(current);
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
    const known = new Set(old.status.actions.map((action) => action.code));
    const gained = heatPump.status.actions.filter((action) => !known.has(action.code));
    if (gained.length > 0) events.push({ type: "heat_pump.action_required", data: { heat_pump_id: id, actions: gained, heat_pump: heatPump } });
    // A status move is told once: what moved with it (connection, online, action needed …) is in its payload.
    const changed = changedFields(old, heatPump).filter((field) => !(statusMoved && field.startsWith("status.")) && !(gained.length > 0 && ACTION_FIELDS.has(field)));
    if (changed.length > 0) events.push({ type: "heat_pump.updated", data: { heat_pump: heatPump, changed_fields: changed } });
  }
  for (const [id, heatPump] of before) {
    if (!after.has(id) && !maybeUnreadable(id, unreadable)) events.push({ type: "heat_pump.deleted", data: { heat_pump_id: id, last_known: heatPump } });
  }
  return events;
}

/**
 * The snapshot to keep after this poll: what was read, plus the previous entry of every heat pump that may be
 * among the unreadable items (kept untouched until it reads again, so it is neither deleted nor created later).
 */
export function nextSnapshot(previous: HeatPump[] | undefined, current: HeatPump[], unreadable: Unreadable = ALL_READ): HeatPump[] {
  const read = new Set(current.map((hp) => hp.id).filter(Boolean));
  const kept = (previous ?? []).filter((hp) => hp.id && !read.has(hp.id) && maybeUnreadable(hp.id, unreadable));
  return [...current, ...kept];
}

/** The Standard Webhooks payload of an event. */
export function webhookPayload(event: ChangeEvent | { type: "webhook.test"; data: Record<string, unknown> }, now: Date): string {
  return JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event.data });
}

/** The heat pump an event is about. */
export function eventHeatPumpId(event: ChangeEvent): string {
  switch (event.type) {
    case "heat_pump.created":
    case "heat_pump.updated":
      return event.data.heat_pump.id ?? "";
    default:
      return event.data.heat_pump_id;
  }
}
