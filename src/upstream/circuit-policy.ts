/**
 * The upstream circuit breaker's rules, pure (the clock is passed in): closed → open when, within a sliding window,
 * at least `minCalls` calls were made and at least `failureRatio` of them failed, or at once when Podero refuses the
 * edge's credentials; open → half-open after `cooldownSeconds`; half-open lets `probes` calls through, and closes
 * after that many successes or opens again at the first failure.
 *
 * @module
 */

export interface CircuitSettings {
  windowSeconds: number;
  minCalls: number;
  failureRatio: number;
  cooldownSeconds: number;
  probes: number;
}

export type CircuitStateName = "closed" | "open" | "half-open";

export interface CircuitState {
  state: CircuitStateName;
  /** Epoch ms of the last change of state. */
  since: number;
  /** While open: epoch ms when probes may start. */
  openUntil: number;
  /** Outcomes in the window (closed), oldest first. */
  outcomes: { at: number; ok: boolean }[];
  probesGranted: number;
  probeSuccesses: number;
  /** Why it last opened: `failure_ratio` or `upstream_auth_failed`. */
  reason?: string;
}

export interface Outcome {
  ok: boolean;
  /** Podero refused the edge's own credentials (401/403). */
  auth?: boolean;
}

export function closedCircuit(now: number): CircuitState {
  return { state: "closed", since: now, openUntil: 0, outcomes: [], probesGranted: 0, probeSuccesses: 0 };
}

function open(now: number, settings: CircuitSettings, reason: string): CircuitState {
  return { state: "open", since: now, openUntil: now + settings.cooldownSeconds * 1000, outcomes: [], probesGranted: 0, probeSuccesses: 0, reason };
}

/** Time passing: an open circuit whose cool-down is over is half-open. */
export function tick(state: CircuitState, now: number): CircuitState {
  if (state.state === "open" && now >= state.openUntil) return { ...state, state: "half-open", since: now, probesGranted: 0, probeSuccesses: 0 };
  return state;
}

/** May a call go to Podero now? Closed: yes; open: no; half-open: while probes are left. */
export function admit(state: CircuitState, now: number, settings: CircuitSettings): { state: CircuitState; admitted: boolean } {
  const current = tick(state, now);
  if (current.state === "closed") return { state: current, admitted: true };
  if (current.state === "open") return { state: current, admitted: false };
  if (current.probesGranted >= settings.probes) return { state: current, admitted: false };
  return { state: { ...current, probesGranted: current.probesGranted + 1 }, admitted: true };
}

/** One call's outcome. */
export function record(state: CircuitState, outcome: Outcome, now: number, settings: CircuitSettings): CircuitState {
  const current = tick(state, now);
  if (outcome.auth) return open(now, settings, "upstream_auth_failed");
  switch (current.state) {
    case "open":
      return current; // a call admitted before it opened: already counted
    case "half-open": {
      if (!outcome.ok) return open(now, settings, current.reason ?? "failure_ratio");
      const successes = current.probeSuccesses + 1;
      return successes >= settings.probes ? closedCircuit(now) : { ...current, probeSuccesses: successes };
    }
    case "closed": {
      const outcomes = [...current.outcomes.filter((entry) => entry.at > now - settings.windowSeconds * 1000), { at: now, ok: outcome.ok }].slice(-1000);
      const failed = outcomes.filter((entry) => !entry.ok).length;
      if (outcomes.length >= settings.minCalls && failed / outcomes.length >= settings.failureRatio) return open(now, settings, "failure_ratio");
      return { ...current, outcomes };
    }
  }
}
