import { ForbiddenOrganisationError, ForbiddenUserError, InsufficientScopeError } from "../problems/errors.ts";
import { challenge } from "./bearer.ts";
import { SCOPES, type Principal } from "./principal.ts";

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

/** Checks a verified principal against the path it asks for (RFC 6750 §3.1 `insufficient_scope` on failure). */
export function authorize(principal: Principal, target: AccessTarget, requiredScope: string = SCOPES.heatPumpsRead): AccessGrant {
  const orgId = target.orgId.toLowerCase();
  const userId = target.userId.toLowerCase();
  const forbidden = { "www-authenticate": challenge({ error: "insufficient_scope", scope: requiredScope }) };

  if (principal.orgId !== orgId) {
    throw new ForbiddenOrganisationError("The token is for another organisation.", { headers: forbidden });
  }
  if (principal.issuerOrgs && !principal.issuerOrgs.includes(orgId)) {
    throw new ForbiddenOrganisationError("The token's issuer may not act for this organisation.", { headers: forbidden });
  }
  if (principal.userId !== undefined && principal.userId !== userId) {
    throw new ForbiddenUserError("The token is limited to another user.", { headers: forbidden });
  }
  if (!principal.scopes.has(requiredScope)) {
    throw new InsufficientScopeError(`The token lacks the "${requiredScope}" scope.`, {
      headers: forbidden,
      extensions: { required_scope: requiredScope },
    });
  }
  return {
    orgId,
    userId,
    issuer: principal.issuer,
    ownersVisible: principal.scopes.has(SCOPES.ownersRead),
  } as AccessGrant;
}

declare const orgGrantBrand: unique symbol;

/** Permission to manage one organisation's settings (webhooks, watches list). */
export interface OrganisationGrant {
  readonly [orgGrantBrand]: true;
  readonly orgId: string;
  readonly issuer: string;
}

/** Like `authorize`, for organisation-wide operations: a token limited to one user may not perform them. */
export function authorizeOrganisation(principal: Principal, orgId: string, requiredScope: string): OrganisationGrant {
  const org = orgId.toLowerCase();
  const forbidden = { "www-authenticate": challenge({ error: "insufficient_scope", scope: requiredScope }) };
  if (principal.orgId !== org || (principal.issuerOrgs && !principal.issuerOrgs.includes(org))) {
    throw new ForbiddenOrganisationError("The token is for another organisation.", { headers: forbidden });
  }
  if (principal.userId !== undefined) {
    throw new ForbiddenUserError("A token limited to one user cannot manage the organisation's settings.", { headers: forbidden });
  }
  if (!principal.scopes.has(requiredScope)) {
    throw new InsufficientScopeError(`The token lacks the "${requiredScope}" scope.`, { headers: forbidden, extensions: { required_scope: requiredScope } });
  }
  return { orgId: org, issuer: principal.issuer } as OrganisationGrant;
}
