/**
 * Concurrent calls for one key share one run (request coalescing): 100 misses make 1 upstream request.
 * What is shared is a promise of plain data, never a Response or stream, which Workers forbid
 * sharing between requests.
 */
export class SingleFlight<T> {
  readonly #running = new Map<string, Promise<T>>();

  async run(key: string, work: () => Promise<T>): Promise<{ value: T; joined: boolean }> {
    const running = this.#running.get(key);
    if (running) return { value: await running, joined: true };
    const started = work().finally(() => this.#running.delete(key));
    this.#running.set(key, started);
    return { value: await started, joined: false };
  }
}
