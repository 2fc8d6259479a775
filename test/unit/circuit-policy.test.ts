import { describe, expect, it } from "vitest";
import { admit, closedCircuit, record, tick, type CircuitSettings } from "../../src/upstream/circuit-policy.ts";

const SETTINGS: CircuitSettings = { windowSeconds: 30, minCalls: 4, failureRatio: 0.5, cooldownSeconds: 10, probes: 2, probeTimeoutSeconds: 9 };
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
    expect(state.outcomes).toEqual([{ second: Math.floor((T + 31_000) / 1000), ok: 0, failed: 1 }]);
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

  it("gives probes out again when their outcomes never come, so it cannot stay half-open for good", () => {
    const opened = record(closedCircuit(T), { ok: false, auth: true }, T, SETTINGS);
    let { state } = admit(opened, T + 10_000, SETTINGS);
    ({ state } = admit(state, T + 10_001, SETTINGS)); // both probes out; their callers go away
    expect(admit(state, T + 15_000, SETTINGS).admitted).toBe(false);
    expect(admit(state, T + 19_500, SETTINGS).admitted).toBe(true); // 9 s after the last grant
  });

  it("counts calls per second, so any minimum number of calls can be reached", () => {
    const settings = { ...SETTINGS, minCalls: 5000 };
    let state = closedCircuit(T);
    for (let i = 0; i < 4999; i++) state = record(state, { ok: false }, T + i, settings);
    expect(state.state).toBe("closed");
    expect(state.outcomes.length).toBeLessThanOrEqual(5);
    expect(record(state, { ok: false }, T + 4999, settings).state).toBe("open");
  });
});
