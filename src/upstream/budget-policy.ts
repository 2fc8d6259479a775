/**
 * The upstream budget's rules, pure (the clock is passed in): every call to Podero, from any isolate of either
 * worker, counts against `UPSTREAM_MAX_REQUESTS_PER_SECOND`. Readers (partner requests, cards, widgets) never wait:
 * they are counted as they happen. Background checks take permits from what readers leave — within any one second
 * (a sliding window of 1.25 s, so no burst ever goes over: a token bucket's saved-up second would let two seconds' worth
 * through in one) at most the budget less the readers' recent rate — and none while Podero asked the edge to wait
 * (a 429 or 503 with `Retry-After`).
 *
 * @module
 */

export interface BudgetState {
  /** Background permits granted within the last second (epoch ms, oldest first). */
  granted: { at: number; count: number }[];
  /** Readers' calls per second, the last few seconds (oldest first). */
  readers: { second: number; calls: number }[];
  /** Background polling waits until then (epoch ms): Podero's own `Retry-After`. */
  pausedUntil: number;
}

/** How far back the readers' rate is judged, in seconds. */
const READER_WINDOW_S = 5;
/** The longest pause a `Retry-After` may impose on background polling. */
export const MAX_PAUSE_S = 3600;

/**
 * The window background permits are counted over: a second, and a quarter for the way to Podero — calls granted at
 * once reach it up to a few hundred ms apart on a busy worker, and with a window of 1.1 s Podero still counted 3 %
 * over the budget in its busiest second (npm run bench:webhooks); with 1.25 s it counted none over.
 */
const WINDOW_MS = 1250;

/** Background permits a minute at most: what the window lets through (48 seconds' worth of the budget). */
export function backgroundPerMinute(perSecond: number): number {
  return Math.floor((perSecond * 60 * 1000) / WINDOW_MS);
}

/**
 * Checks the cron plans a minute: a tenth under what the window grants, for checks landing a little off their second
 * and for refused ones queued again (planned at the full rate, refusals fed on themselves: npm run bench:webhooks).
 */
export function plannedChecksPerMinute(perSecond: number): number {
  return Math.floor(backgroundPerMinute(perSecond) * 0.9);
}

/** The budget that plans `checksPerSecond` background checks (its inverse: about 1.4 × them). */
export function budgetFor(checksPerSecond: number): number {
  return Math.ceil((checksPerSecond * 60) / (plannedChecksPerMinute(1_000_000) / 1_000_000));
}

export function freshBudget(_now: number): BudgetState {
  return { granted: [], readers: [], pausedUntil: 0 };
}

/** Readers' calls per second over the window (the current second counted as a full one). */
export function readerRate(state: BudgetState, now: number): number {
  const second = Math.floor(now / 1000);
  const recent = state.readers.filter((bucket) => bucket.second > second - READER_WINDOW_S);
  return recent.reduce((sum, bucket) => sum + bucket.calls, 0) / READER_WINDOW_S;
}

/** Calls made (reported after the fact): readers count against the budget; background ones were permitted before. */
export function noteCalls(state: BudgetState, calls: number, background: boolean, now: number): BudgetState {
  if (background || calls <= 0) return state;
  const second = Math.floor(now / 1000);
  const kept = state.readers.filter((bucket) => bucket.second > second - READER_WINDOW_S);
  const last = kept.at(-1);
  const readers = last?.second === second ? [...kept.slice(0, -1), { second, calls: last.calls + calls }] : [...kept, { second, calls }];
  return { ...state, readers };
}

/** Podero said to wait `seconds`: background polling pauses that long (at most an hour), readers carry on. */
export function pauseFor(state: BudgetState, seconds: number, now: number): BudgetState {
  const until = now + Math.min(Math.max(0, seconds), MAX_PAUSE_S) * 1000;
  return until > state.pausedUntil ? { ...state, pausedUntil: until } : state;
}

/**
 * Up to `wanted` permits for background calls now: within the last second, at most `perSecond` less the readers'
 * rate in all. None while paused.
 */
export function grant(state: BudgetState, wanted: number, perSecond: number, now: number): { state: BudgetState; granted: number } {
  const recent = state.granted.filter((entry) => entry.at > now - WINDOW_MS);
  const used = recent.reduce((sum, entry) => sum + entry.count, 0);
  const spare = Math.floor(Math.max(0, perSecond - readerRate(state, now)));
  const granted = now < state.pausedUntil ? 0 : Math.max(0, Math.min(spare - used, Math.floor(wanted)));
  return { state: { ...state, granted: granted > 0 ? [...recent, { at: now, count: granted }] : recent }, granted };
}
