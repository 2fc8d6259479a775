/**
 * The in-isolate tier in front of KV: a bounded LRU map, so a hot key costs no KV read per request.
 * Bounded in size here and in time by the caller (a copy is used from memory only while fresh).
 * Holds plain data only, never a Response or stream, so it is safe to share between requests.
 */
export class MemoryTier<T> {
  readonly #entries = new Map<string, T>();
  readonly maxEntries: number;
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  get(key: string): T | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      // Re-insert: Map keeps insertion order, so the first key is always the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
