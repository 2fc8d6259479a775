/** W3C Trace Context (https://www.w3.org/TR/trace-context/): continue the caller's trace with our own span. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The traceparent to send upstream: the caller's trace id and flags with a new parent id, or a new trace. */
export function childTraceparent(incoming: string | undefined): string {
  const match = incoming ? TRACEPARENT.exec(incoming.trim().toLowerCase()) : null;
  const traceId = match?.[1];
  if (match && traceId && !/^0+$/.test(traceId) && !/^0+$/.test(match[2] ?? "")) {
    return `00-${traceId}-${randomHex(8)}-${match[3]}`;
  }
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}
