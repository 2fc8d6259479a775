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
  /** A probe not reported within this long (its caller went away) no longer holds its place. */
  probeTimeoutSeconds: number;
}

export type CircuitStateName = "closed" | "open" | "half-open";

export interface CircuitState {
  state: CircuitStateName;
  /** Epoch ms of the last change of state. */
  since: number;
  /** While open: epoch ms when probes may start. */
  openUntil: number;
  /** Outcomes in the window (closed), counted per second, oldest first: at most `windowSeconds` entries. */
  outcomes: { second: number; ok: number; failed: number }[];
  probesGranted: number;
  /** Epoch ms of the last probe granted. */
  probesGrantedAt?: number;
  probeSuccesses: number;
  /** Why it last opened: `failure_ratio` or `upstream_auth_failed`. */
  reason?: string;
}

export interface Outcome {
  ok: boolean;
  /** Podero refused the edge's own credentials (401/403). */
  auth?: boolean;
  /** A background check's call (permitted by the budget beforehand), not a reader's. */
  background?: boolean;
  /** Podero answered 429 or 503 with this `Retry-After` (seconds): background polling waits that long. */
  retryAfterS?: number;
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
  // Probes whose outcome never came (a caller cancelled, a report lost) are given out again, or the circuit would
  // stay half-open, refusing everything, for good.
  const lapsed = current.probesGrantedAt !== undefined && now - current.probesGrantedAt > settings.probeTimeoutSeconds * 1000;
  const granted = lapsed ? 0 : current.probesGranted;
  if (granted >= settings.probes) return { state: current, admitted: false };
  return { state: { ...current, probesGranted: granted + 1, probesGrantedAt: now }, admitted: true };
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
      const second = Math.floor(now / 1000);
      const kept = current.outcomes.filter((bucket) => bucket.second > second - settings.windowSeconds);
      const last = kept.at(-1);
      const outcomes =
        last?.second === second
          ? [...kept.slice(0, -1), { second, ok: last.ok + (outcome.ok ? 1 : 0), failed: last.failed + (outcome.ok ? 0 : 1) }]
          : [...kept, { second, ok: outcome.ok ? 1 : 0, failed: outcome.ok ? 0 : 1 }];
      const failed = outcomes.reduce((sum, bucket) => sum + bucket.failed, 0);
      const calls = failed + outcomes.reduce((sum, bucket) => sum + bucket.ok, 0);
      if (calls >= settings.minCalls && failed / calls >= settings.failureRatio) return open(now, settings, "failure_ratio");
      return { ...current, outcomes };
    }
  }
}
