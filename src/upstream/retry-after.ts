const DEFAULT_RETRY_AFTER_S = 30;
const MAX_RETRY_AFTER_S = 3600;

/** Seconds from a `Retry-After` value (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), bounded. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number {
  if (value) {
    const trimmed = value.trim();
    const seconds = /^\d+$/.test(trimmed) ? Number(trimmed) : Math.ceil((Date.parse(trimmed) - now) / 1000);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(Math.max(seconds, 1), MAX_RETRY_AFTER_S);
  }
  return DEFAULT_RETRY_AFTER_S;
}
