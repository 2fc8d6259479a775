import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { ProblemError } from "../../src/problems/problem-error.ts";
import { parseHeatPumpList } from "../../src/upstream/parse-list.ts";

function problemCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ProblemError ? `${error.status} ${error.code}` : String(error);
  }
  return undefined;
}

describe("parseHeatPumpList", () => {
  it("refuses a body that is not an array, whatever it is", () => {
    for (const body of [{ results: [] }, null, "[]", 42, true, { detail: "Not found." }]) {
      expect(problemCode(() => parseHeatPumpList(body))).toBe("502 upstream_bad_response");
    }
  });

  it("accepts an empty list", () => {
    expect(parseHeatPumpList([])).toEqual({ items: [], invalid: [] });
  });

  it("keeps the good items and names the bad one without its values", () => {
    const good = heatPump({}, "good");
    const bad = heatPump({ created_at: undefined, owner: "Erika Mustermann <erika@example.com>" }, "bad");
    const { items, invalid } = parseHeatPumpList([good, bad, "not an object", heatPump({}, "good2")]);
    expect(items.map((item) => item.id)).toEqual([good.id, heatPump({}, "good2").id]);
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatchObject({ index: 1, id: bad.id });
    expect(invalid[0]!.issues.join()).toMatch(/created_at/);
    expect(invalid[0]!.issues.join()).toMatch(/owner/);
    expect(JSON.stringify(invalid)).not.toMatch(/erika/i);
    expect(invalid[1]).toMatchObject({ index: 2, id: null });
  });

  it("survives drift: unknown enum values, new fields, missing optional fields, nulls and decimal strings", () => {
    const drifted: Record<string, unknown> = heatPump(
      {
        connection_status: "degraded",
        price_zone: "IT_NORD",
        current_mode: "turbo",
        brand_new_field: { nested: [1, 2] },
        indoor_actual_temperature: "21.50",
        is_pause_power_active: null,
        is_away_mode_enabled: null,
        optimization_level: null,
        min_solar_power_w: null,
        device_model: { manufacturer: null, model: "X", future: true },
      },
      "drift",
    );
    for (const field of ["comment", "pause_power_until", "inverter_forced_mode_since", "external_device_id", "actual_steering_state", "embeddable_url"]) {
      delete drifted[field];
    }
    const { items, invalid } = parseHeatPumpList([drifted]);
    expect(invalid).toEqual([]);
    const item = items[0]!;
    expect(item.connection_status).toBe("degraded");
    expect(item.price_zone).toBe("IT_NORD");
    expect(item.brand_new_field).toEqual({ nested: [1, 2] });
    expect(item.indoor_actual_temperature).toBe(21.5);
    // Defaults from the reference page fill what is missing or null.
    expect(item.is_pause_power_active).toBe(false);
    expect(item.is_away_mode_enabled).toBe(true);
    expect(item.optimization_level).toBe("Mid");
    expect(item.min_solar_power_w).toBe(2000);
    expect(item.inverter_forced_mode_since).toBe("0001-01-01T00:00:00Z");
    expect(item.external_device_id).toBe("");
    expect(item.actual_steering_state).toBe("unknown");
    expect(item.comment).toBeNull();
    expect(item.embeddable_url).toBeNull();
    expect(item.device_model.future).toBe(true);
  });

  it("drops unknown owner fields, which may be personal data", () => {
    const { items } = parseHeatPumpList([heatPump({ owner: { id: null, email: null, phone: "+43 660 1234567" } }, "owner")]);
    expect(items[0]!.owner).toEqual({ id: null, email: null, first_name: null, last_name: null, external_id: null });
  });

  it("keeps an item without an id (the reference allows null) and lower-cases ids", () => {
    const { items } = parseHeatPumpList([heatPump({ id: null }, "x"), heatPump({ id: "3C90C3CC-0D44-4B50-8888-8DD25736052A" }, "y")]);
    expect(items.map((item) => item.id)).toEqual([null, "3c90c3cc-0d44-4b50-8888-8dd25736052a"]);
  });

  it("treats a wrong type in a known field as an invalid item", () => {
    const { items, invalid } = parseHeatPumpList([heatPump({ is_authenticated: "yes" }, "z"), heatPump({ indoor_actual_temperature: "warm" }, "w")]);
    expect(items).toHaveLength(0);
    expect(invalid.map((entry) => entry.issues[0])).toEqual([expect.stringMatching(/^is_authenticated/), expect.stringMatching(/^indoor_actual_temperature/)]);
  });
});
