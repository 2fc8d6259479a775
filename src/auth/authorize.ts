import { ForbiddenOrganisationError, ForbiddenUserError, InsufficientScopeError } from "../problems/errors.ts";
import { challenge } from "./bearer.ts";
import type { IssuerConfig } from "../config/config.ts";
import { issuerMayActFor, orgsAllow } from "./issuer-access.ts";
import { REQUIRED_SCOPES, SCOPES, type Principal } from "./principal.ts";

declare const grantBrand: unique symbol;

/**
 * Permission to read one user's data in one organisation. Only `authorize` makes one, and the data
 * source (upstream client, cache) takes nothing else: nothing can be read for a request auth refused.
 */
export interface AccessGrant {
  readonly [grantBrand]: true;
  readonly orgId: string;
  readonly userId: string;
  readonly issuer: string;
  /** `owners:read`: the owner's e-mail and names may be shown. */
  readonly ownersVisible: boolean;
}

export interface AccessTarget {
  orgId: string;
  userId: string;
}

/** The `WWW-Authenticate` challenge of a 403 (RFC 6750 §3.1), naming every scope the operation needs. */
function forbiddenHeaders(requiredScopes: readonly string[]) {
  return { "www-authenticate": challenge({ error: "insufficient_scope", scope: requiredScopes.join(" ") }) };
}

/** The organisation check both kinds of grant share: the token's own org, and its issuer allowed to act for it. */
function checkOrganisation(principal: Principal, orgId: string, headers: Record<string, string>) {
  if (principal.orgId !== orgId) throw new ForbiddenOrganisationError("The token is for another organisation.", { headers });
  if (!orgsAllow(principal.issuerOrgs, orgId)) {
    throw new ForbiddenOrganisationError("The token's issuer may not act for this organisation.", { headers });
  }
}

/** Every scope in `requiredScopes`, or `insufficient_scope` naming the first missing one. */
function checkScopes(principal: Principal, requiredScopes: readonly string[], headers: Record<string, string>) {
  const missing = requiredScopes.find((scope) => !principal.scopes.has(scope));
  if (missing !== undefined) {
    throw new InsufficientScopeError(`The token lacks the "${missing}" scope (this operation needs ${requiredScopes.map((s) => `"${s}"`).join(" and ")}).`, {
      headers,
      extensions: { required_scope: missing, required_scopes: [...requiredScopes] },
    });
  }
}

/** Checks a verified principal against the path it asks for (RFC 6750 §3.1 `insufficient_scope` on failure). */
export function authorize(principal: Principal, target: AccessTarget, requiredScopes: readonly string[] = REQUIRED_SCOPES.read): AccessGrant {
  const orgId = target.orgId.toLowerCase();
  const userId = target.userId.toLowerCase();
  const forbidden = forbiddenHeaders(requiredScopes);

  checkOrganisation(principal, orgId, forbidden);
  if (principal.userId !== undefined && principal.userId !== userId) {
    throw new ForbiddenUserError("The token is limited to another user.", { headers: forbidden });
  }
  checkScopes(principal, requiredScopes, forbidden);
  return {
    orgId,
    userId,
    issuer: principal.issuer,
    ownersVisible: principal.scopes.has(SCOPES.ownersRead),
  } as AccessGrant;
}

/**
 * A grant for a watched user, for the webhook worker's checks: made only while the issuer that registered the
 * watch may act for its organisation (PARTNER_ISSUERS in force now), else null. Reads without owners' data.
 */
export function authorizeWatch(issuers: readonly IssuerConfig[], watch: { orgId: string; userId: string; issuer: string | null }): AccessGrant | null {
  if (!issuerMayActFor(issuers, watch.issuer, watch.orgId)) return null;
  return { orgId: watch.orgId.toLowerCase(), userId: watch.userId.toLowerCase(), issuer: watch.issuer!, ownersVisible: false } as AccessGrant;
}

declare const orgGrantBrand: unique symbol;

/** Permission to manage one organisation's settings (webhooks, watches list). */
export interface OrganisationGrant {
  readonly [orgGrantBrand]: true;
  readonly orgId: string;
  readonly issuer: string;
}

/** Like `authorize`, for organisation-wide operations: a token limited to one user may not perform them. */
export function authorizeOrganisation(principal: Principal, orgId: string, requiredScopes: readonly string[]): OrganisationGrant {
  const org = orgId.toLowerCase();
  const forbidden = forbiddenHeaders(requiredScopes);
  checkOrganisation(principal, org, forbidden);
  if (principal.userId !== undefined) {
    throw new ForbiddenUserError("A token limited to one user cannot manage the organisation's settings.", { headers: forbidden });
  }
  checkScopes(principal, requiredScopes, forbidden);
  return { orgId: org, issuer: principal.issuer } as OrganisationGrant;
}
