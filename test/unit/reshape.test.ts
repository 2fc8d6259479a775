import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { compactHeatPump, reshapeHeatPump, type ReshapeOptions } from "../../src/heat-pumps/reshape.ts";
import { CompactHeatPumpSchema, HeatPumpSchema, type HeatPump } from "../../src/heat-pumps/schemas.ts";
import { parseHeatPumpList } from "../../src/upstream/parse-list.ts";
import { KNOWN_UPSTREAM_FIELDS, type UpstreamHeatPump } from "../../src/upstream/schema.ts";

const NOW = Date.parse("2026-11-29T10:00:00Z");
const OPTIONS: ReshapeOptions = { now: NOW, staleAfterSeconds: 3600, ownersVisible: false };

function parse(overrides: Record<string, unknown> = {}, seed = "r"): UpstreamHeatPump {
  const { items, invalid } = parseHeatPumpList([heatPump(overrides, seed)]);
  expect(invalid).toEqual([]);
  return items[0]!;
}

function leaves(value: unknown, path = ""): [string, unknown][] {
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, path ? `${path}.${key}` : key));
  }
  return [[path, value]];
}

function at(object: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((inner, key) => (inner as Record<string, unknown>)[key], object);
}

/** Where each upstream boolean lands (booleans cannot be traced by value). */
const BOOLEAN_HOMES: Record<string, string> = {
  is_pause_power_active: "optimisation.pause_power.active",
  is_authenticated: "status.is_authenticated",
  is_smart_optimization_active: "optimisation.active",
  is_inverter_forced_mode_enabled: "optimisation.inverter_forced_mode.enabled",
  is_inverter_forced_mode_active: "optimisation.inverter_forced_mode.active",
  is_forecasting_enabled: "optimisation.forecasting_enabled",
  is_trading_enabled: "optimisation.trading_enabled",
  is_hot_water_heating_enabled: "capabilities.hot_water",
  is_space_heating_enabled: "capabilities.space_heating",
  is_pool_heating_enabled: "capabilities.pool_heating",
  is_space_cooling_enabled: "capabilities.space_cooling",
  is_heating_policy_enabled: "optimisation.heating_policy.enabled",
  is_away_mode_enabled: "away_mode.enabled",
  needs_gateway: "device.needs_gateway",
  action_needed: "status.action_needed",
};

describe("reshapeHeatPump: no silent loss", () => {
  it("represents every upstream string and number field somewhere in `full`", () => {
    // A distinct value in every non-boolean field, so each one can be found in the output by value.
    const distinct: Record<string, unknown> = {};
    const source = heatPump({}, "every-field");
    let n = 1;
    for (const [path, value] of leaves(source)) {
      if (typeof value === "number") distinct[path] = 1000 + n++;
      else if (typeof value === "string" && !/_status$|^id$|^building$|cloud_service$|owner\.id|_at$|_since$|_until$|_start$|_end$|^created|^updated/.test(path)) {
        distinct[path] = `v${n++}-${path}`;
      } else if (value === null && /_at$|_until$|_start$|_end$/.test(path)) distinct[path] = `2026-01-${String(n++ % 28 + 1).padStart(2, "0")}T00:00:00Z`;
      else if (value === null) distinct[path] = `v${n++}-${path}`;
    }
    distinct["inverter_forced_mode_since"] = "2026-11-01T00:00:00Z";
    distinct["temperature_delta_override_for_slight_change"] = 7;
    const input = structuredClone(source);
    for (const [path, value] of Object.entries(distinct)) {
      const keys = path.split(".");
      const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((obj, key) => obj[key] as Record<string, unknown>, input);
      parent[keys.at(-1)!] = value;
    }
    input.actions = [{ code: "reauthenticate", description: "Log in again", resolution_url: "https://fix.example" }];
    input.lifecycle_state = "active";

    const item = parse(input);
    const output = reshapeHeatPump(item, { ...OPTIONS, ownersVisible: true });
    const outputValues = new Set(leaves(output).map(([, value]) => JSON.stringify(value)));
    const missing = leaves(input)
      .filter(([, value]) => typeof value !== "boolean")
      .filter(([path]) => !/_status$|^current_mode$/.test(path)) // mapped, checked below
      .filter(([, value]) => !outputValues.has(JSON.stringify(value)));
    expect(missing).toEqual([]);
    expect(output.optimisation.mode).toBe(String(input.current_mode).toLowerCase());
  });

  it("puts every upstream boolean where the mapping says, for both values", () => {
    for (const [field, home] of Object.entries(BOOLEAN_HOMES)) {
      for (const value of [true, false]) {
        const output = reshapeHeatPump(parse({ [field]: value }), OPTIONS);
        expect(at(output, home), `${field}=${value} → ${home}`).toBe(value);
      }
    }
    const upstreamBooleans = Object.entries(heatPump()).filter(([, value]) => typeof value === "boolean").map(([field]) => field);
    expect(upstreamBooleans.filter((field) => !(field in BOOLEAN_HOMES))).toEqual([]);
  });

  it("knows every field of the reference page", () => {
    expect([...Object.keys(heatPump())].filter((field) => !KNOWN_UPSTREAM_FIELDS.has(field))).toEqual([]);
  });

  it("carries fields it does not know yet in additional_upstream_fields, only for owners:read", () => {
    const item = parse({ heat_curve: { slope: 1.2 }, tariff: "dynamic", owner_phone: "+49 170 5550123" });
    expect(reshapeHeatPump(item, { ...OPTIONS, ownersVisible: true }).additional_upstream_fields).toEqual({ heat_curve: { slope: 1.2 }, tariff: "dynamic", owner_phone: "+49 170 5550123" });
    // An unknown field may be personal data: without owners:read it is not shown at all.
    const hidden = reshapeHeatPump(item, OPTIONS);
    expect(hidden.additional_upstream_fields).toEqual({});
    expect(JSON.stringify(hidden)).not.toContain("5550123");
  });

  it("never lets an unknown upstream field named __proto__ or constructor become a prototype", () => {
    const item = parse(JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}') as Record<string, unknown>);
    const output = reshapeHeatPump(item, { ...OPTIONS, ownersVisible: true });
    expect(Object.getPrototypeOf(output.additional_upstream_fields)).toBe(Object.prototype);
    expect((output.additional_upstream_fields as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.hasOwn(output.additional_upstream_fields, "constructor") && output.additional_upstream_fields.constructor).toBe("x");
  });

  it("matches its documented schema, with and without owners", () => {
    for (const ownersVisible of [true, false]) {
      expect(HeatPumpSchema.strict().safeParse(reshapeHeatPump(parse(), { ...OPTIONS, ownersVisible })).success).toBe(true);
    }
  });
});

describe("reshapeHeatPump: meaning", () => {
  it("shows the owner's e-mail and names only with owners:read", () => {
    const hidden = reshapeHeatPump(parse(), OPTIONS);
    expect(hidden.owner).toEqual({ id: expect.any(String), external_id: "CRM-100234" });
    expect(JSON.stringify(hidden)).not.toMatch(/Mustermann|erika/i);
    const shown = reshapeHeatPump(parse(), { ...OPTIONS, ownersVisible: true });
    expect(shown.owner).toMatchObject({ email: "erika.mustermann@example.com", first_name: "Erika", last_name: "Mustermann" });
  });

  it("reads Podero's 0001-01-01 sentinel as never", () => {
    expect(reshapeHeatPump(parse(), OPTIONS).optimisation.inverter_forced_mode.since).toBeNull();
    expect(reshapeHeatPump(parse({ inverter_forced_mode_since: "0001-01-01T00:00:00+00:00" }), OPTIONS).optimisation.inverter_forced_mode.since).toBeNull();
    expect(reshapeHeatPump(parse({ inverter_forced_mode_since: "2026-11-29T06:00:00Z" }), OPTIONS).optimisation.inverter_forced_mode.since).toBe("2026-11-29T06:00:00Z");
  });

  it("computes the overall status and maps unknown status values", () => {
    const output = reshapeHeatPump(parse({ connection_status: "ok", monitoring_status: "flaky", steering_status: "warning" }), OPTIONS);
    expect(output.status).toMatchObject({ overall: "warning", connection: "ok", monitoring: "unknown", steering: "warning", online: true });
    expect(reshapeHeatPump(parse({ connection_status: "error" }), OPTIONS).status).toMatchObject({ overall: "error", online: false, action_needed: true });
  });

  it("labels the optimisation mode as Podero does, and says when it is not optimising", () => {
    const labels = ["min", "low", "mid", "max", "MAX", "turbo"].map((mode) => reshapeHeatPump(parse({ current_mode: mode }), OPTIONS).optimisation.mode_label);
    expect(labels).toEqual(["Min", "ECO", "Comfort", "Boost", "Boost", "Turbo"]);
    const off = reshapeHeatPump(parse({ is_smart_optimization_active: false, current_mode: "max" }), OPTIONS);
    expect(off.optimisation).toMatchObject({ active: false, mode: "max", mode_label: "Not optimizing" });
  });

  it("keys what the device does now apart from the optimisation setting", () => {
    const output = reshapeHeatPump(parse({ operational_mode: "Hot Water", current_mode: "min" }), OPTIONS);
    expect(output.activity).toMatchObject({ operational_mode: "hot_water", operational_mode_label: "Hot Water" });
    expect(output.optimisation.mode).toBe("min");
  });

  it("derives action_needed when Podero does not send it, and respects it when it does", () => {
    expect(reshapeHeatPump(parse({ is_authenticated: false }), OPTIONS).status.action_needed).toBe(true);
    expect(reshapeHeatPump(parse({ actions: [{ code: "reauthenticate" }] }), OPTIONS).status.action_needed).toBe(true);
    expect(reshapeHeatPump(parse(), OPTIONS).status.action_needed).toBe(false);
    expect(reshapeHeatPump(parse({ is_authenticated: false, action_needed: false }), OPTIONS).status.action_needed).toBe(false);
  });

  it("computes freshness against `now`", () => {
    const fresh = reshapeHeatPump(parse({ current_state_last_updated_at: "2026-11-29T09:50:00Z" }), OPTIONS);
    expect(fresh.freshness).toMatchObject({ state_updated_at: "2026-11-29T09:50:00Z", stale: false });
    const old = reshapeHeatPump(parse({ current_state_last_updated_at: "2026-11-29T08:00:00Z" }), OPTIONS);
    expect(old.freshness.stale).toBe(true);
    expect(reshapeHeatPump(parse({ current_state_last_updated_at: null }), OPTIONS).freshness).toMatchObject({ state_updated_at: null, stale: true });
  });

  it("labels the device by manufacturer and model, falling back to its type", () => {
    expect(reshapeHeatPump(parse({ device_model: { manufacturer: "Vaillant", model: "aroTHERM plus" } }), OPTIONS).label).toBe("Vaillant aroTHERM plus");
    expect(reshapeHeatPump(parse({ device_model: { manufacturer: null, model: null, device_type: { long_name: "Air-water heat pump" } } }), OPTIONS).label).toBe("Air-water heat pump");
    expect(reshapeHeatPump(parse({ device_model: {} }), OPTIONS).label).toBe("Heat pump");
  });
});

describe("compactHeatPump", () => {
  const full: HeatPump = reshapeHeatPump(parse(), { ...OPTIONS, ownersVisible: true });
  const compact = compactHeatPump(full);

  it("has exactly the widget's fields, matching its schema", () => {
    expect(CompactHeatPumpSchema.strict().safeParse(compact).success).toBe(true);
    expect(compact).toMatchObject({
      id: full.id,
      label: full.label,
      status: "ok",
      online: true,
      optimising: true,
      mode: "low",
      mode_label: "ECO",
      activity: "heating",
      power_w: 1840,
      indoor_actual_c: 21.2,
      indoor_target_c: 21.5,
      hot_water_c: 48.5,
      outdoor_c: 3.4,
      consumption_last_day_kwh: 18.4,
      action_needed: false,
    });
  });

  it("carries no personal data and no URLs, even with owners:read", () => {
    const text = JSON.stringify(compact);
    expect(text).not.toMatch(/Mustermann|erika|CRM-100234|https?:/i);
  });
});
