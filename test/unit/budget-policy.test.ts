import { describe, expect, it } from "vitest";
import { freshBudget, grant, noteCalls, pauseFor, readerRate } from "../../src/upstream/budget-policy.ts";

// The upstream budget (issue 11): readers never wait, background checks take what readers leave, none while
// Podero asked the edge to wait.
const T = 1_000_000_000_000;

describe("the upstream budget", () => {
  it("grants background permits at the budget's rate, saving up at most a second's worth", () => {
    let state = freshBudget(T);
    let got = grant(state, 100, 10, T + 1000);
    expect(got.granted).toBe(10);
    got = grant(got.state, 100, 10, T + 1500);
    expect(got.granted).toBe(5);
    got = grant(got.state, 100, 10, T + 60_000); // a minute idle: still one second's worth
    expect(got.granted).toBe(10);
    state = got.state;
    expect(grant(state, 3, 10, T + 61_000).granted).toBe(3);
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
