/**
 * Whatever was thrown, as the problem the client is told. Hono and its middleware throw `HTTPException`s
 * (malformed JSON, a media type the route does not take, a body too large): each keeps its own 4xx status.
 * Only what nobody expected is a 500.
 *
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HttpError, InternalError, PayloadTooLargeError, ValidationError } from "./errors.ts";
import { ProblemError } from "./problem-error.ts";

/** What Hono's validators mean by their 400 and 415, said about the body in our own words. */
const BODY_PROBLEMS: ReadonlyMap<number, string> = new Map([
  [400, "The request body is not valid JSON."],
  [415, "The request body must be JSON, sent with `Content-Type: application/json`."],
]);

export function problemFor(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException && error.status >= 400 && error.status < 500) {
    const bodyProblem = BODY_PROBLEMS.get(error.status);
    if (bodyProblem) return new ValidationError(bodyProblem, { cause: error, extensions: { errors: [{ in: "body", name: "(body)", detail: bodyProblem }] } });
    if (error.status === 413) return new PayloadTooLargeError("The request body is larger than the edge accepts (64 KiB).", { cause: error });
    return new HttpError(error.message || "The request was refused.", { cause: error, status: error.status as ContentfulStatusCode });
  }
  return new InternalError("The edge failed unexpectedly.", { cause: error });
}
