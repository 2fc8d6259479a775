import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * What a problem type is, once: the response it makes and how the OpenAPI document describes it.
 * Each subclass sets its own `spec`, so the docs are generated from the same values the code sends.
 */
export interface ProblemSpec {
  readonly status: ContentfulStatusCode;
  /** Stable machine-readable code; also the last segment of the problem `type` URI. */
  readonly code: string;
  readonly title: string;
  /** Shown in the OpenAPI document and at `GET /problems/{code}`. */
  readonly description: string;
}

export interface ProblemOptions {
  cause?: unknown;
  headers?: Record<string, string>;
  /** Extension members (RFC 9457 §3.2) added to the body, e.g. `errors` for validation failures. */
  extensions?: Record<string, unknown>;
}

/**
 * An error that knows its HTTP answer (RFC 9457 problem details). Thrown anywhere in a request,
 * turned into a response in one place (`onError`). Callers can `switch (err.code)`.
 */
export class ProblemError extends Error {
  static readonly spec: ProblemSpec = {
    status: 500,
    code: "internal_error",
    title: "Internal error",
    description: "The edge failed in a way it did not expect. The request id identifies the log line.",
  };

  readonly detail: string;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(detail: string, options: ProblemOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = detail;
    // Not the class name: the deployed bundle is minified without keeping names (wrangler.toml keep_names).
    this.name = "ProblemError";
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  get spec(): ProblemSpec {
    return (this.constructor as typeof ProblemError).spec;
  }
  get status(): ContentfulStatusCode {
    return this.spec.status;
  }
  get code(): string {
    return this.spec.code;
  }
}

/** Relative URI reference (RFC 9457 §3.1.1), resolvable against this API: `GET /problems/{code}` describes it. */
export function problemType(code: string): string {
  return `/problems/${code.replaceAll("_", "-")}`;
}
