/**
 * Answers made once per stored copy, not once per request. What a read answers depends on the stored list, the
 * view asked for, the caller's `owners:read` and the clock only through the `stale` flags: so the body (JSON) and
 * its ETag are made once per (list, view, …) and reused while the list is the one in the isolate's memory tier,
 * until the moment a heat pump's `freshness.stale` would flip. Only what depends on the request or the clock at
 * every instant (`Age`, `Cache-Status`, `Cache-Control`) is made per request, by the caller.
 *
 * @module
 */
import type { UpstreamHeatPump } from "../upstream/schema.ts";
import type { HeatPumpReading } from "./read.ts";
import { compactHeatPump, reshapeHeatPump } from "./reshape.ts";
import type { HeatPump, OverallStatus } from "./schemas.ts";
import { upstreamShape } from "./upstream-shape.ts";

export type RepresentationSpec =
  | { kind: "list"; view: "full" | "compact"; status: OverallStatus | undefined }
  | { kind: "one"; view: "full" | "compact"; heatPumpId: string }
  | { kind: "widget"; heatPumpId: string | undefined }
  | { kind: "compat" };

export interface Representation {
  body: string;
  /** Strong validator (RFC 9110 §8.8.3): the SHA-1 of the body. */
  etag: string;
}

interface Made extends Representation {
  /** When the body must be made again (a `stale` flag flips), ms since epoch. */
  until: number;
}

/** Per stored list (its items array, which the memory tier keeps while the copy is current). */
const made = new WeakMap<readonly UpstreamHeatPump[], Map<string, Made>>();
/** Views × filters × callers of one list in practice; past this the list's answers are simply made again. */
const MAX_PER_LIST = 32;

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The first moment after `now` at which a heat pump's `freshness.stale` changes (reshape's rule), or Infinity. */
export function staleFlipsAt(items: readonly UpstreamHeatPump[], now: number, staleAfterSeconds: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const item of items) {
    const at = item.current_state_last_updated_at === null ? Number.NaN : Date.parse(item.current_state_last_updated_at);
    // Stale once the whole seconds since the state exceed the setting.
    const flips = at + (staleAfterSeconds + 1) * 1000;
    if (flips > now && flips < next) next = flips;
  }
  return next;
}

function select(items: UpstreamHeatPump[], heatPumpId: string | undefined): UpstreamHeatPump[] {
  return heatPumpId === undefined ? items : items.filter((item) => item.id === heatPumpId);
}

/** The heat pumps reshaped for this reader, as of `now` (one heat pump, or all). */
export function reshaped({ grant, list }: HeatPumpReading, now: number, staleAfterSeconds: number, heatPumpId?: string): HeatPump[] {
  const options = { now, staleAfterSeconds, ownersVisible: grant.ownersVisible };
  return select(list.items, heatPumpId).map((item) => reshapeHeatPump(item, options));
}

/** What `spec` answers for this reading as of `now`, before serialising (the refresh route adds to it). */
export function representationValue(reading: HeatPumpReading, spec: RepresentationSpec, now: number, staleAfterSeconds: number): unknown {
  const { list } = reading;
  switch (spec.kind) {
    case "list": {
      const selected = reshaped(reading, now, staleAfterSeconds).filter((heatPump) => spec.status === undefined || heatPump.status.overall === spec.status);
      const data = spec.view === "compact" ? selected.map(compactHeatPump) : selected;
      return { data, meta: { fetched_at: list.fetchedAt, stale: list.stale, count: data.length, view: spec.view, invalid_items: list.invalid } };
    }
    case "one": {
      const [heatPump] = reshaped(reading, now, staleAfterSeconds, spec.heatPumpId);
      return { data: spec.view === "compact" ? compactHeatPump(heatPump!) : heatPump, meta: { fetched_at: list.fetchedAt, stale: list.stale, view: spec.view } };
    }
    case "widget": {
      const data = reshaped(reading, now, staleAfterSeconds, spec.heatPumpId).map(compactHeatPump);
      return { data, meta: { fetched_at: list.fetchedAt, stale: list.stale, count: data.length, view: "compact", invalid_items: list.invalid } };
    }
    case "compat":
      return list.items.map((item) => upstreamShape(item, reading.grant.ownersVisible));
  }
}

/** The body and ETag of `spec` for this reading, made at most once per stored list and spec while it holds. */
export async function representation(reading: HeatPumpReading, spec: RepresentationSpec, now: number, staleAfterSeconds: number): Promise<Representation> {
  const key = `${JSON.stringify(spec)}|${reading.grant.ownersVisible}|${reading.list.stale}|${reading.list.fetchedAt}|${staleAfterSeconds}`;
  let forList = made.get(reading.list.items);
  const known = forList?.get(key);
  if (known && now < known.until) return known;
  const body = JSON.stringify(representationValue(reading, spec, now, staleAfterSeconds));
  const etag = `"${hex(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(body)))}"`;
  const result = { body, etag, until: spec.kind === "compat" ? Number.POSITIVE_INFINITY : staleFlipsAt(reading.list.items, now, staleAfterSeconds) };
  if (!forList) made.set(reading.list.items, (forList = new Map()));
  if (forList.size >= MAX_PER_LIST) forList.clear();
  forList.set(key, result);
  return result;
}
