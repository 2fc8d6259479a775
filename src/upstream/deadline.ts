import { UpstreamTimeoutError } from "../problems/errors.ts";

/** One deadline for everything a request asks of the upstream: token, attempts, retry waits, body reads. */
export class Deadline {
  readonly #at: number;
  readonly budgetMs: number;
  constructor(budgetMs: number) {
    this.budgetMs = budgetMs;
    this.#at = Date.now() + budgetMs;
  }
  remainingMs(): number {
    return Math.max(0, this.#at - Date.now());
  }
  /** An AbortSignal that fires when the deadline passes; it also aborts reading the response body. */
  signal(): AbortSignal {
    const remaining = this.remainingMs();
    if (remaining === 0) throw this.exceeded();
    return AbortSignal.timeout(remaining);
  }
  exceeded(cause?: unknown): UpstreamTimeoutError {
    return new UpstreamTimeoutError(`Podero did not answer within ${this.budgetMs} ms.`, { cause });
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}
