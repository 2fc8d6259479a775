// When to try a failed delivery again: about three days in all, with jitter so that many receivers coming back
// at once are not hit at once. A receiver's Retry-After (on 429/503) is honoured when it asks for longer, up to
// 24 h: the number of attempts is fixed, so no answer can keep an event alive past the schedule's end.
export const RETRY_DELAYS_S = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600] as const;

/** The longest a receiver's Retry-After may push the next attempt (and never past the schedule's end). */
export const MAX_RETRY_DELAY_S = 24 * 3600;
/** The schedule's end, from the first attempt: all its delays with their largest jitter. */
export const SCHEDULE_END_S = Math.ceil(RETRY_DELAYS_S.reduce((sum, delay) => sum + delay, 0) * 1.1);

/**
 * When a check without a permit is tried again: the n-th time n to 3n seconds later, at random, so the checks one
 * busy second turned away do not all come back in the same later second (to be turned away again).
 */
export function requeueDelay(check: { deferrals?: number }): number {
  const n = Math.min(3, Math.max(1, Math.floor(check.deferrals ?? 1) || 1)); // never past 9 s, whatever the message says
  return n + Math.floor(Math.random() * (2 * n + 1));
}

export type DeliveryVerdict =
  | { outcome: "delivered" }
  | { outcome: "retry"; delaySeconds: number }
  | { outcome: "disable" }
  | { outcome: "dead-letter" };

/**
 * What to do after attempt `attempt` (1-based) answered `status` (undefined: no answer, e.g. a timeout).
 * 2xx: delivered. 410 Gone: the subscription is disabled at once. Otherwise retry on the schedule; after
 * the last retry, the message goes to the dead-letter queue.
 */
export function afterAttempt(attempt: number, status: number | undefined, retryAfterSeconds: number | undefined, random = Math.random, sinceFirstS = 0): DeliveryVerdict {
  if (status !== undefined && status >= 200 && status < 300) return { outcome: "delivered" };
  if (status === 410) return { outcome: "disable" };
  const scheduled = RETRY_DELAYS_S[attempt - 1];
  if (scheduled === undefined) return { outcome: "dead-letter" };
  const jittered = Math.round(scheduled * (0.9 + 0.2 * random()));
  const asked = (status === 429 || status === 503) && retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds : 0;
  const delay = Math.min(MAX_RETRY_DELAY_S, Math.max(jittered, asked));
  // However the receiver asked to wait, the last attempt is within the schedule's end.
  const left = SCHEDULE_END_S - sinceFirstS;
  if (left <= 0) return { outcome: "dead-letter" };
  return { outcome: "retry", delaySeconds: Math.min(delay, left) };
}
