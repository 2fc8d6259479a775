import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ProblemError, type ProblemOptions, type ProblemSpec } from "./problem-error.ts";

// The whole catalogue of problems this API answers with. Adding one here adds it to `/problems/{code}`;
// routes name the classes they can throw, and the OpenAPI document is generated from `spec`.

export class InternalError extends ProblemError {}

export class MisconfiguredError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 500,
    code: "misconfigured",
    title: "Edge misconfigured",
    description: "The edge's configuration is invalid (see its log).",
  };
}

export class ValidationError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 400,
    code: "invalid_request",
    title: "Invalid request",
    description: "A path or query parameter, or the request body, is malformed (not JSON, not `application/json`, not the documented object). `errors` lists each failing part.",
  };
}

export class RouteNotFoundError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 404,
    code: "route_not_found",
    title: "No such route",
    description: "No route matches this method and path. See `/openapi.json`.",
  };
}

export class MethodNotAllowedError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 405,
    code: "method_not_allowed",
    title: "Method not allowed",
    description: "The path exists but not with this method; `Allow` lists the methods it has (RFC 9110 §15.5.6).",
  };
}

export class PayloadTooLargeError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 413,
    code: "payload_too_large",
    title: "Request body too large",
    description: "The request body is larger than the edge accepts (64 KiB).",
  };
}

/**
 * An `HTTPException` thrown by Hono or one of its middleware that no catalogue entry describes more exactly:
 * answered with the exception's own status, never as a 500.
 */
export class HttpError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 400,
    code: "http_error",
    title: "Request refused",
    description: "Refused by the HTTP layer with this status; `detail` says why.",
  };
  readonly #status: ContentfulStatusCode;
  constructor(detail: string, options: ProblemOptions & { status?: ContentfulStatusCode } = {}) {
    super(detail, options);
    this.#status = options.status ?? HttpError.spec.status;
  }
  override get status(): ContentfulStatusCode {
    return this.#status;
  }
}

export class MissingTokenError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 401,
    code: "missing_token",
    title: "Missing bearer token",
    description: "The request carries no `Authorization: Bearer` token (RFC 6750 §3.1: no error code is given).",
  };
}

export class InvalidTokenError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 401,
    code: "invalid_token",
    title: "Invalid token",
    description: "Malformed, expired, not yet valid, wrong signer, audience or issuer, or a forbidden algorithm or header.",
  };
}

export class IssuerUnavailableError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 503,
    code: "issuer_keys_unavailable",
    title: "Token issuer's keys unavailable",
    description: "The issuer's JWKS could not be fetched; retry later.",
  };
}

export class InsufficientScopeError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 403,
    code: "insufficient_scope",
    title: "Insufficient scope",
    description: "The token is valid but lacks the scope this operation needs (named in `required_scope`).",
  };
}

export class ForbiddenOrganisationError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 403,
    code: "forbidden_organisation",
    title: "Organisation not allowed",
    description: "The token (or its issuer) is not for this organisation.",
  };
}

export class ForbiddenUserError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 403,
    code: "forbidden_user",
    title: "User not allowed",
    description: "The token carries a `user_id` claim that limits it to another user.",
  };
}

export class OriginNotAllowedError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 403,
    code: "origin_not_allowed",
    title: "Origin not allowed",
    description: "The page's origin is not one the embed token was issued for.",
  };
}

export class RateLimitedError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 429,
    code: "rate_limited",
    title: "Too many requests",
    description: "Over this partner's limit (issuer and organisation); retry after `Retry-After`.",
  };
}

export class UserNotFoundError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 404,
    code: "user_not_found",
    title: "User not found",
    description: "Podero does not know this user in this organisation (the upstream answered 404).",
  };
}

export class HeatPumpNotFoundError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 404,
    code: "heat_pump_not_found",
    title: "Heat pump not found",
    description: "The user has no heat pump with this id.",
  };
}

export class QuotaExceededError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 409,
    code: "quota_exceeded",
    title: "Quota exceeded",
    description: "The organisation already has as many watched users (`WEBHOOK_MAX_WATCHES_PER_ORG`) or webhook subscriptions (`WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG`) as this edge allows; `quota` and `limit` say which. Remove some first.",
  };
}

export class WebhookNotFoundError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 404,
    code: "webhook_not_found",
    title: "Webhook not found",
    description: "This organisation has no webhook subscription with this id.",
  };
}

export class EmbeddingDisabledError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 404,
    code: "embedding_disabled",
    title: "Embedding not enabled",
    description: "No `EMBED_SIGNING_KEY`: embedding is off.",
  };
}

export class NotReadyError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 503,
    code: "not_ready",
    title: "Not ready",
    description: "KV or D1 fails, or the upstream circuit is open; see `checks`.",
  };
}

export class UpstreamUnavailableError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 503,
    code: "upstream_unavailable",
    title: "Upstream unavailable",
    description: "Podero is rate limiting or unavailable (429/503). Retry after the `Retry-After` header.",
  };
}

export class UpstreamError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 502,
    code: "upstream_error",
    title: "Upstream error",
    description: "Podero failed (5xx or network, after a retry).",
  };
}

export class UpstreamAuthError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 502,
    code: "upstream_auth_failed",
    title: "Upstream refused the edge's credentials",
    description: "Podero refused the edge's own credentials (401/403).",
  };
}

export class UpstreamBadResponseError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 502,
    code: "upstream_bad_response",
    title: "Upstream sent an unusable response",
    description: "Podero's answer was not JSON, not a JSON array, or larger than the edge accepts.",
  };
}

export class UpstreamTimeoutError extends ProblemError {
  static override readonly spec: ProblemSpec = {
    status: 504,
    code: "upstream_timeout",
    title: "Upstream timed out",
    description: "Podero did not answer within the edge's deadline (`UPSTREAM_TIMEOUT_MS`).",
  };
}

export type ProblemClass = typeof ProblemError;

export const PROBLEM_CATALOGUE: readonly ProblemClass[] = [
  InternalError,
  MisconfiguredError,
  ValidationError,
  RouteNotFoundError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  HttpError,
  MissingTokenError,
  InvalidTokenError,
  IssuerUnavailableError,
  InsufficientScopeError,
  ForbiddenOrganisationError,
  ForbiddenUserError,
  OriginNotAllowedError,
  RateLimitedError,
  UserNotFoundError,
  HeatPumpNotFoundError,
  QuotaExceededError,
  WebhookNotFoundError,
  EmbeddingDisabledError,
  NotReadyError,
  UpstreamUnavailableError,
  UpstreamError,
  UpstreamAuthError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
];
