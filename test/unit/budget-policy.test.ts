import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { budgetFor, freshBudget, grant, noteCalls, pauseFor, plannedChecksPerMinute, readerRate } from "../../src/upstream/budget-policy.ts";

// The upstream budget (issue 11): readers never wait, background checks take what readers leave, none while
// Podero asked the edge to wait.
const T = 1_000_000_000_000;

describe("the upstream budget", () => {
  it("grants background permits at the budget's rate, never more than a second's worth within any one second", () => {
    let got = grant(freshBudget(T), 100, 10, T);
    expect(got.granted).toBe(10);
    got = grant(got.state, 100, 10, T + 1249); // the same second and its quarter on the way (sliding): none left
    expect(got.granted).toBe(0);
    got = grant(got.state, 3, 10, T + 1250);
    expect(got.granted).toBe(3);
    got = grant(got.state, 100, 10, T + 1600);
    expect(got.granted).toBe(7);
    got = grant(got.state, 100, 10, T + 60_000); // a minute idle: still one second's worth, not a minute's
    expect(got.granted).toBe(10);
  });

  it("holds for any sequence of asks: no one-second window grants more than the budget", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ after: fc.integer({ min: 0, max: 700 }), wanted: fc.integer({ min: 0, max: 50 }) }), { maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (asks, perSecond) => {
        let state = freshBudget(T);
        let now = T;
        const grants: { at: number; granted: number }[] = [];
        for (const ask of asks) {
          now += ask.after;
          const got = grant(state, ask.wanted, perSecond, now);
          state = got.state;
          grants.push({ at: now, granted: got.granted });
        }
        for (const { at } of grants) {
          const inWindow = grants.filter((other) => other.at > at - 1000 && other.at <= at).reduce((sum, other) => sum + other.granted, 0);
          expect(inWindow).toBeLessThanOrEqual(perSecond);
        }
      }),
    );
  });

  it("plans nine tenths of what the window grants a minute: the figures the docs give for the budget", () => {
    expect(plannedChecksPerMinute(50)).toBe(2160); // the default covers 4,320 watches at 120 s ("about 4,300")
    expect(budgetFor(100_000 / 120)).toBe(1158); // 100,000 at 120 s ("about 1,160")
    expect(plannedChecksPerMinute(budgetFor(87.1)) / 60).toBeGreaterThanOrEqual(87.1);
  });

  it("gives background only what readers leave: readers first", () => {
    let state = freshBudget(T);
    state = noteCalls(state, 40, false, T + 500); // 40 reader calls in the window: 8 a second over 5 s
    expect(readerRate(state, T + 900)).toBe(8);
    expect(grant(state, 100, 10, T + 1000).granted).toBe(2);
    expect(grant(noteCalls(state, 100, false, T + 900), 100, 10, T + 1000).granted).toBe(0); // readers over the budget: none
    expect(noteCalls(state, 1000, true, T + 900)).toBe(state); // background calls were permitted before: not counted again
  });

  it("grants nothing while Podero asked to wait, then resumes", () => {
    let state = pauseFor(freshBudget(T), 30, T);
    expect(grant(state, 5, 10, T + 29_000).granted).toBe(0);
    state = grant(state, 5, 10, T + 29_000).state;
    expect(grant(state, 5, 10, T + 31_000).granted).toBe(5);
    expect(pauseFor(freshBudget(T), 999_999, T).pausedUntil).toBe(T + 3600_000); // at most an hour
  });
});
