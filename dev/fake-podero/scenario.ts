import type { UpstreamItem } from "./fixtures.ts";

/** One scripted answer of the fake Podero (shared by the fake and the tests that steer it). */
export interface FakeResponse {
  status?: number;
  /** Raw body (sent as-is). */
  body?: string;
  /** JSON body. */
  json?: unknown;
  headers?: Record<string, string>;
  delay_ms?: number;
  /** Drop the connection without answering (a network error for the client). */
  drop?: boolean;
  /** Send the body in chunks without a content-length. */
  chunked?: boolean;
}

/** What a test sets for one user: the heat pumps the fake holds, and answers to give first, in order. */
export interface Scenario {
  items?: UpstreamItem[];
  queue?: FakeResponse[];
}
