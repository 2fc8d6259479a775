import {
  ForbiddenOrganisationError,
  ForbiddenUserError,
  InsufficientScopeError,
  InternalError,
  InvalidTokenError,
  IssuerUnavailableError,
  MisconfiguredError,
  MissingTokenError,
  RateLimitedError,
  UpstreamAuthError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  UserNotFoundError,
} from "../problems/errors.ts";

/** What any partner-token route can answer besides its own success (see `problems/errors.ts`). */
export const authProblems = [
  MissingTokenError,
  InvalidTokenError,
  InsufficientScopeError,
  ForbiddenOrganisationError,
  ForbiddenUserError,
  IssuerUnavailableError,
  RateLimitedError,
  MisconfiguredError,
  InternalError,
];

/** What any route that reads Podero can answer. */
export const upstreamProblems = [
  UserNotFoundError,
  UpstreamUnavailableError,
  UpstreamError,
  UpstreamAuthError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
];
