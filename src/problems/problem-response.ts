import { problemType, type ProblemError } from "./problem-error.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface ProblemContext {
  /** The request path: RFC 9457 `instance`, identifying this occurrence together with the request id. */
  instance: string;
  requestId: string | undefined;
}

export function problemBody(error: ProblemError, context: ProblemContext): Record<string, unknown> {
  return {
    ...error.extensions,
    type: problemType(error.code),
    title: error.spec.title,
    status: error.status,
    detail: error.detail,
    instance: context.instance,
    code: error.code,
    request_id: context.requestId,
  };
}

export function problemResponse(error: ProblemError, context: ProblemContext): Response {
  const headers = new Headers(error.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  // Problems describe one request; intermediaries must never reuse them for another caller.
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(problemBody(error, context)), { status: error.status, headers });
}
