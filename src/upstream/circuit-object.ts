/**
 * One circuit breaker for every call to Podero, from every isolate of both workers: a Durable Object (hosted by the
 * webhook worker, bound by both as `UPSTREAM_CIRCUIT`) is the one place the decision is made. State changes are
 * logged once, here, not per request.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { admit, closedCircuit, record, tick, type CircuitSettings, type CircuitState, type Outcome } from "./circuit-policy.ts";

export interface CircuitView {
  state: CircuitState["state"];
  /** ISO 8601: the last change of state. */
  since: string;
  /** Seconds until probes may start (open only). */
  retry_after_s?: number;
  reason?: string;
}

function view(state: CircuitState, now: number): CircuitView {
  return {
    state: state.state,
    since: new Date(state.since).toISOString(),
    ...(state.state === "open" ? { retry_after_s: Math.max(1, Math.ceil((state.openUntil - now) / 1000)) } : {}),
    ...(state.reason && state.state !== "closed" ? { reason: state.reason } : {}),
  };
}

export class UpstreamCircuit extends DurableObject {
  #state: CircuitState | undefined;

  async #load(): Promise<CircuitState> {
    this.#state ??= (await this.ctx.storage.get<CircuitState>("state")) ?? closedCircuit(Date.now());
    return this.#state;
  }

  async #save(next: CircuitState): Promise<void> {
    const previous = this.#state;
    this.#state = next;
    if (previous?.state !== next.state) {
      // Only the state is kept across restarts; the window of outcomes starts afresh, which errs towards closed.
      await this.ctx.storage.put("state", { ...next, outcomes: [] });
      const level = next.state === "open" ? "error" : "info";
      console.log(JSON.stringify({ level, message: "upstream circuit", state: next.state, from: previous?.state, reason: next.reason, ...(next.reason === "upstream_auth_failed" && next.state === "open" ? { problem: "upstream_auth_failed" } : {}) }));
    }
  }

  /** The state now (for readiness and the cron). */
  async state(): Promise<CircuitView> {
    const now = Date.now();
    const next = tick(await this.#load(), now);
    await this.#save(next);
    return view(next, now);
  }

  /** May one call go to Podero now? */
  async admit(settings: CircuitSettings): Promise<{ admitted: boolean; view: CircuitView }> {
    const now = Date.now();
    const result = admit(await this.#load(), now, settings);
    await this.#save(result.state);
    return { admitted: result.admitted, view: view(result.state, now) };
  }

  /** Outcomes of calls made. */
  async report(outcomes: Outcome[], settings: CircuitSettings): Promise<CircuitView> {
    const now = Date.now();
    let next = await this.#load();
    for (const outcome of outcomes) next = record(next, outcome, now, settings);
    await this.#save(next);
    return view(next, now);
  }
}
