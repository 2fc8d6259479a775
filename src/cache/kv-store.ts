import { decodeEntry, type CacheEntry } from "./entry.ts";

/** Where the cache notes what went wrong with KV, for the request's log line. */
export interface KvObserver {
  cache_error?: string;
}

/** KV writes to one key at most once per second (a KV rule); a second write within it is skipped. */
const MIN_WRITE_INTERVAL_MS = 1000;
const lastWrite = new Map<string, number>();

/** A KV that fails or throws degrades to "not stored", never to an error answer. */
export async function readEntry(kv: KVNamespace, key: string, observer: KvObserver): Promise<CacheEntry | undefined> {
  try {
    return decodeEntry(await kv.get(key, "json"));
  } catch (error) {
    observer.cache_error = `kv read: ${error instanceof Error ? error.message : String(error)}`;
    return undefined;
  }
}

export async function writeEntry(kv: KVNamespace, key: string, entry: CacheEntry, expirationTtl: number, observer: KvObserver): Promise<void> {
  const now = Date.now();
  if (now - (lastWrite.get(key) ?? 0) < MIN_WRITE_INTERVAL_MS) return;
  lastWrite.set(key, now);
  if (lastWrite.size > 10_000) lastWrite.clear();
  try {
    await kv.put(key, JSON.stringify(entry), { expirationTtl });
  } catch (error) {
    observer.cache_error = `kv write: ${error instanceof Error ? error.message : String(error)}`;
  }
}
