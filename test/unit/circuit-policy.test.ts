import { describe, expect, it } from "vitest";
import { admit, closedCircuit, record, tick, type CircuitSettings } from "../../src/upstream/circuit-policy.ts";

const SETTINGS: CircuitSettings = { windowSeconds: 30, minCalls: 4, failureRatio: 0.5, cooldownSeconds: 10, probes: 2 };
const T = 1_000_000;

describe("the upstream circuit's rules", () => {
  it("opens when, within the window and past the minimum number of calls, most calls failed", () => {
    let state = closedCircuit(T);
    for (const ok of [false, false, false]) state = record(state, { ok }, T, SETTINGS);
    expect(state.state).toBe("closed"); // 3 calls, all failed, but under the minimum of 4
    let mixed = closedCircuit(T);
    for (const ok of [true, true, true, false, false]) mixed = record(mixed, { ok }, T, SETTINGS);
    expect(mixed.state).toBe("closed"); // 2 of 5 failed: 40 %
    mixed = record(mixed, { ok: false }, T, SETTINGS);
    expect(mixed).toMatchObject({ state: "open", reason: "failure_ratio", openUntil: T + 10_000 }); // 3 of 6: 50 %
  });

  it("forgets outcomes older than the window", () => {
    let state = closedCircuit(T);
    for (let i = 0; i < 3; i++) state = record(state, { ok: false }, T, SETTINGS);
    state = record(state, { ok: false }, T + 31_000, SETTINGS);
    expect(state.state).toBe("closed");
    expect(state.outcomes).toHaveLength(1);
  });

  it("opens at once when Podero refuses the edge's credentials", () => {
    expect(record(closedCircuit(T), { ok: false, auth: true }, T, SETTINGS)).toMatchObject({ state: "open", reason: "upstream_auth_failed" });
  });

  it("is half-open after the cool-down: a few probes, closed after that many successes, open again at a failure", () => {
    const opened = record(closedCircuit(T), { ok: false, auth: true }, T, SETTINGS);
    expect(admit(opened, T + 9_000, SETTINGS).admitted).toBe(false);
    let { state, admitted } = admit(opened, T + 10_000, SETTINGS);
    expect([state.state, admitted]).toEqual(["half-open", true]);
    ({ state, admitted } = admit(state, T + 10_001, SETTINGS));
    expect(admitted).toBe(true);
    expect(admit(state, T + 10_002, SETTINGS).admitted).toBe(false); // only 2 probes
    const reopened = record(state, { ok: false }, T + 10_500, SETTINGS);
    expect(reopened).toMatchObject({ state: "open", openUntil: T + 20_500 });
    let closing = record(state, { ok: true }, T + 10_500, SETTINGS);
    expect(closing.state).toBe("half-open");
    closing = record(closing, { ok: true }, T + 10_600, SETTINGS);
    expect(closing.state).toBe("closed");
    expect(tick(closing, T + 99_000).state).toBe("closed");
  });
});
