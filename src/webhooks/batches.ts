/**
 * Cloudflare Queues' limits, kept by size and count: a message ≤ 128 KB, a `sendBatch` ≤ 100 messages and
 * ≤ 256 KB in all. Fan-out to many subscriptions crosses the size limit long before the count one. Messages are
 * sent as JSON (`contentType: "json"`), so their size is their UTF-8 JSON — what is counted here — and not V8's
 * serialisation, which stores a whole string at two bytes a character once one character is outside Latin-1.
 *
 * @module
 */

export const MAX_BATCH_MESSAGES = 100;
/** 256 KB less room for the queue's own per-message metadata. */
export const MAX_BATCH_BYTES = 256 * 1000 - 8 * 1024;
export const MAX_MESSAGE_BYTES = 128 * 1000;
/** What Queues count per message besides its body (an estimate on the safe side). */
const PER_MESSAGE_OVERHEAD = 100;

const encoder = new TextEncoder();

/** Message bodies in batches within both limits, in order. A body over the message limit is an error, never sent. */
export function batchesBySize<T>(bodies: readonly T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = encoder.encode(JSON.stringify(body)).length + PER_MESSAGE_OVERHEAD;
    if (size > MAX_MESSAGE_BYTES) throw new Error(`a queue message of ${size} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`);
    if (batch.length === MAX_BATCH_MESSAGES || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(body);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Sends every body, as JSON, in batches within the limits; `delaySeconds(body)` delays each (default: none). */
export async function sendAll<T>(queue: Queue<T>, bodies: readonly T[], delaySeconds?: (body: T) => number): Promise<void> {
  for (const batch of batchesBySize(bodies)) {
    await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const, ...(delaySeconds ? { delaySeconds: delaySeconds(body) } : {}) })));
  }
}
