/**
 * Failure memory per organisation and user: after Podero failed for a user (5xx, timeout, unreachable, bad body),
 * further requests for that user within a backoff window do not call Podero again. The window starts at
 * `UPSTREAM_FAILURE_BACKOFF_SECONDS` and doubles with each consecutive failure up to 60 s; one success clears it.
 * Kept in the isolate and in KV, so other isolates (and the webhook worker) honour it too. A failing KV costs the
 * memory, never an error.
 *
 * @module
 */
import { Lru } from "../util/lru.ts";

export const MAX_BACKOFF_SECONDS = 60;

export interface Backoff {
  /** Epoch ms until which Podero is not asked for this key. */
  until: number;
  /** Consecutive failures so far. */
  failures: number;
  /** The problem the last failure was (its stable code), answered again while the window lasts. */
  code: string;
  /** What Podero answered, when it answered (for Cache-Status `fwd-status`). */
  upstreamStatus?: number;
}

/** The window after `failures` consecutive failures: base, doubled each time, at most 60 s. Pure. */
export function backoffSeconds(failures: number, baseSeconds: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, baseSeconds * 2 ** Math.max(0, Math.min(failures - 1, 10)));
}

/** The backoff after one more failure, given the one in force (if any). Pure, with the clock passed in. */
export function afterFailure(previous: Backoff | undefined, failure: { code: string; upstreamStatus?: number }, baseSeconds: number, now: number): Backoff {
  const failures = (previous?.failures ?? 0) + 1;
  return { until: now + backoffSeconds(failures, baseSeconds) * 1000, failures, code: failure.code, ...(failure.upstreamStatus ? { upstreamStatus: failure.upstreamStatus } : {}) };
}

/** Whole seconds left in the window (at least 1 while it lasts). */
export function remainingSeconds(backoff: Backoff, now: number): number {
  return Math.max(1, Math.ceil((backoff.until - now) / 1000));
}

// The isolate tier: failures of the last minute, by cache key. Kept after a window ends (until a success) so the
// next failure doubles it; entries older than the longest window no longer matter.
const remembered = new Lru<Backoff>(2000);

const kvKey = (key: string) => `backoff:v1:${key}`;

function decode(value: unknown): Backoff | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { until, failures, code, upstreamStatus } = value as Partial<Backoff>;
  if (typeof until !== "number" || typeof failures !== "number" || typeof code !== "string") return undefined;
  return { until, failures, code, ...(typeof upstreamStatus === "number" ? { upstreamStatus } : {}) };
}

/**
 * The failure memory of a key: this isolate's while its window lasts, else the later of it and KV's (another
 * isolate may have failed since, and doubled the window); undefined when none.
 */
export async function readBackoff(kv: KVNamespace, key: string, now = Date.now()): Promise<Backoff | undefined> {
  const local = remembered.get(key);
  if (local && local.until > now) return local;
  let stored: Backoff | undefined;
  try {
    stored = decode(await kv.get(kvKey(key), "json"));
  } catch {
    return local;
  }
  const newest = !local || (stored && (stored.failures > local.failures || stored.until > local.until)) ? stored : local;
  if (newest) remembered.set(key, newest);
  return newest;
}

/** This isolate's memory only (no KV read): for paths that must stay cheap, like serving a stale copy. */
export function rememberedBackoff(key: string): Backoff | undefined {
  return remembered.get(key);
}

/** Remembers a failure here and in KV (kept past the window, so the next failure can double it). */
export async function writeBackoff(kv: KVNamespace, key: string, backoff: Backoff): Promise<void> {
  remembered.set(key, backoff);
  try {
    await kv.put(kvKey(key), JSON.stringify(backoff), { expirationTtl: Math.max(60, 2 * MAX_BACKOFF_SECONDS) });
  } catch {
    // Another isolate then simply learns it from Podero itself.
  }
}

/** One success clears the memory (here and in KV, if there was any). */
export async function clearBackoff(kv: KVNamespace, key: string): Promise<void> {
  const known = remembered.get(key);
  remembered.delete(key);
  if (!known) return;
  try {
    await kv.delete(kvKey(key));
  } catch {
    // It expires by itself.
  }
}

/** Forgets this isolate's memory, as a new isolate starts (tests of the KV tier). */
export function forgetIsolateBackoffs(): void {
  remembered.clear();
}
