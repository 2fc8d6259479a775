/**
 * The isolate's side of the upstream circuit breaker: asks the shared circuit (`UPSTREAM_CIRCUIT`) whether a call
 * may go to Podero, and tells it how calls went. A closed answer is reused for 2 s, so a busy isolate asks about
 * once per 2 s; an open one until its cool-down ends. A circuit that cannot be reached lets calls through (the
 * breaker protects Podero, it must not take reads down) and says so once in the log.
 *
 * @module
 */
import { UpstreamAuthError, UpstreamUnavailableError, UserNotFoundError } from "../problems/errors.ts";
import { ProblemError } from "../problems/problem-error.ts";
import type { CircuitView } from "./circuit-object.ts";
import type { CircuitSettings, Outcome } from "./circuit-policy.ts";

const REUSE_CLOSED_MS = 2000;

interface CircuitStub {
  admit(settings: CircuitSettings): Promise<{ admitted: boolean; view: CircuitView }>;
  report(outcomes: Outcome[], settings: CircuitSettings): Promise<CircuitView>;
  state(): Promise<CircuitView>;
  /** Optional in the stub's type: stand-ins in tests may leave it out (then every check is permitted). */
  backgroundPermits?(wanted: number, perSecond: number): Promise<number>;
}

/** Refused because the circuit is open: readers fall back to stored copies; it is no failure of this user. */
export class CircuitOpenError extends UpstreamUnavailableError {}

export interface UpstreamCircuitClient {
  /** Throws `CircuitOpenError` (503 with Retry-After) when Podero must not be called now. */
  admit(): Promise<void>;
  /** How the call went (UserNotFound counts as an answer); the report is sent in the background. */
  report(error: unknown): void;
}

/** Longest wait for the circuit's answer: past it the call goes through (a slow circuit must not stall reads). */
const CIRCUIT_TIMEOUT_MS = 1000;
const LOG_UNREACHABLE_EVERY_MS = 60_000;

const known = new Map<string, { view: CircuitView; at: number }>();
let unreachableLoggedAt = 0;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => timer !== null && clearTimeout(timer));
}

export function circuitStub(namespace: DurableObjectNamespace | undefined, name: string): CircuitStub | undefined {
  if (!namespace) return undefined;
  return namespace.get(namespace.idFromName(name)) as unknown as CircuitStub;
}

export function circuitClient(
  stub: CircuitStub | undefined,
  name: string,
  settings: CircuitSettings,
  waitUntil: (promise: Promise<unknown>) => void,
  /**
   * `background`: the caller is background polling (its calls were permitted by the budget), not a reader.
   * `collect`: outcomes are gathered here instead of sent one by one; `reportCollected` sends them in one request.
   */
  options: { background?: boolean; collect?: Outcome[] } = {},
): UpstreamCircuitClient | undefined {
  if (!stub) return undefined;
  const remember = (view: CircuitView) => known.set(name, { view, at: Date.now() });
  const refuse = (view: CircuitView) => {
    throw new CircuitOpenError("Podero is failing for many requests; the edge pauses its calls for a moment.", { headers: { "retry-after": String(view.retry_after_s ?? settings.cooldownSeconds) } });
  };
  return {
    async admit() {
      const cached = known.get(name);
      const now = Date.now();
      if (cached?.view.state === "closed" && now - cached.at < REUSE_CLOSED_MS) return;
      if (cached?.view.state === "open" && now < cached.at + (cached.view.retry_after_s ?? 0) * 1000) refuse(cached.view);
      let answer: { admitted: boolean; view: CircuitView };
      try {
        answer = await within(stub.admit(settings), CIRCUIT_TIMEOUT_MS);
      } catch (error) {
        if (now - unreachableLoggedAt > LOG_UNREACHABLE_EVERY_MS) {
          unreachableLoggedAt = now;
          console.log(JSON.stringify({ level: "error", message: "upstream circuit unreachable; calls go through", error: error instanceof Error ? error.message : String(error) }));
        }
        return;
      }
      remember(answer.view);
      if (!answer.admitted) refuse(answer.view);
    },
    report(error) {
      if (error instanceof CircuitOpenError) return;
      const outcome: Outcome =
        error === undefined || error instanceof UserNotFoundError ? { ok: true } : error instanceof UpstreamAuthError ? { ok: false, auth: credentialsRefused(error) } : { ok: !(error instanceof ProblemError ? error.status >= 500 : true) };
      if (options.background) outcome.background = true;
      // Podero's own 429 / 503 with Retry-After: background polling waits that long, everywhere.
      const retryAfter = error instanceof UpstreamUnavailableError ? (error.cause as { poderoRetryAfterS?: unknown } | undefined)?.poderoRetryAfterS : undefined;
      if (typeof retryAfter === "number") outcome.retryAfterS = retryAfter;
      if (options.collect) return void options.collect.push(outcome);
      waitUntil(
        stub.report([outcome], settings).then(remember, () => undefined),
      );
    },
  };
}

/**
 * Sends the outcomes a queue batch collected in one request to the circuit: one Durable Object request per batch
 * instead of one per Podero call (at 833 checks a second, about 85 a second instead of 833).
 */
export function reportCollected(stub: CircuitStub | undefined, name: string, settings: CircuitSettings, outcomes: readonly Outcome[], waitUntil: (promise: Promise<unknown>) => void): void {
  if (!stub || outcomes.length === 0) return;
  waitUntil(stub.report([...outcomes], settings).then((view) => void known.set(name, { view, at: Date.now() }), () => undefined));
}

/**
 * Podero refused the edge's credentials for everything: a 401 on a data call (after one renewal) or a refusal at
 * the token endpoint. A 403 on a data call may concern one organisation only: a failure, not a reason to open at once.
 */
function credentialsRefused(error: UpstreamAuthError): boolean {
  const cause = error.cause as { credentialsRefused?: boolean } | undefined;
  return cause?.credentialsRefused !== false;
}

/**
 * Permits for `wanted` background checks now (the upstream budget, src/upstream/budget-policy.ts). Without a bound
 * or reachable circuit every check is permitted (the budget protects Podero; it must not stop polling for good).
 */
export async function backgroundPermits(stub: CircuitStub | undefined, wanted: number, perSecond: number): Promise<number> {
  if (!stub?.backgroundPermits || wanted <= 0) return wanted;
  try {
    return await within(stub.backgroundPermits(wanted, perSecond), CIRCUIT_TIMEOUT_MS);
  } catch {
    return wanted;
  }
}

/** The circuit's state for readiness, or undefined when no circuit is bound or it cannot be reached. */
export async function circuitState(stub: CircuitStub | undefined): Promise<CircuitView | undefined> {
  try {
    return stub ? await within(stub.state(), CIRCUIT_TIMEOUT_MS) : undefined;
  } catch {
    return undefined;
  }
}
