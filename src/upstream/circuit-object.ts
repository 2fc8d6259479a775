/**
 * One circuit breaker for every call to Podero, from every isolate of both workers: a Durable Object (hosted by the
 * webhook worker, bound by both as `UPSTREAM_CIRCUIT`) is the one place the decision is made. State changes are
 * logged once, here, not per request.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { freshBudget, grant, noteCalls, pauseFor, type BudgetState } from "./budget-policy.ts";
import { admit, closedCircuit, record, tick, type CircuitSettings, type CircuitState, type Outcome } from "./circuit-policy.ts";

export interface CircuitView {
  state: CircuitState["state"];
  /** ISO 8601: the last change of state. */
  since: string;
  /** Seconds until probes may start (open only). */
  retry_after_s?: number;
  reason?: string;
  /** ISO 8601: background polling waits until then (Podero's `Retry-After`); readers carry on. */
  background_paused_until?: string;
}

function view(state: CircuitState, now: number, budget?: BudgetState): CircuitView {
  return {
    state: state.state,
    since: new Date(state.since).toISOString(),
    ...(state.state === "open" ? { retry_after_s: Math.max(1, Math.ceil((state.openUntil - now) / 1000)) } : {}),
    ...(state.reason && state.state !== "closed" ? { reason: state.reason } : {}),
    ...(budget && budget.pausedUntil > now ? { background_paused_until: new Date(budget.pausedUntil).toISOString() } : {}),
  };
}

export class UpstreamCircuit extends DurableObject {
  #state: CircuitState | undefined;
  /** The upstream budget (src/upstream/budget-policy.ts): in memory; a restart starts it afresh (the pause is kept). */
  #budget: BudgetState | undefined;

  async #loadBudget(): Promise<BudgetState> {
    this.#budget ??= { ...freshBudget(Date.now()), pausedUntil: (await this.ctx.storage.get<number>("pausedUntil")) ?? 0 };
    return this.#budget;
  }

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
    return view(next, now, await this.#loadBudget());
  }

  /** Up to `wanted` permits for background checks now, within `perSecond` less what readers use; none while paused. */
  async backgroundPermits(wanted: number, perSecond: number): Promise<number> {
    const result = grant(await this.#loadBudget(), wanted, perSecond, Date.now());
    this.#budget = result.state;
    return result.granted;
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
    let budget = await this.#loadBudget();
    const pausedBefore = budget.pausedUntil;
    for (const outcome of outcomes) {
      next = record(next, outcome, now, settings);
      budget = noteCalls(budget, 1, outcome.background === true, now);
      if (outcome.retryAfterS !== undefined) budget = pauseFor(budget, outcome.retryAfterS, now);
    }
    this.#budget = budget;
    if (budget.pausedUntil !== pausedBefore) {
      await this.ctx.storage.put("pausedUntil", budget.pausedUntil);
      console.log(JSON.stringify({ level: "info", message: "background polling paused", until: new Date(budget.pausedUntil).toISOString(), reason: "podero_retry_after" }));
    }
    await this.#save(next);
    return view(next, now, budget);
  }
}
