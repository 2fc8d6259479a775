import type { IssuerOrgs } from "./issuer-access.ts";

/** Who is calling: what a verified partner token says, nothing else. */
export interface Principal {
  issuer: string;
  subject: string | undefined;
  /** Lower-cased `org_id` claim. */
  orgId: string;
  /** Lower-cased `user_id` claim, when the token is limited to one user. */
  userId: string | undefined;
  scopes: ReadonlySet<string>;
  /** Organisations the issuer may act for (`PARTNER_ISSUERS[].orgs`): `"*"` only where the operator said so. */
  issuerOrgs: IssuerOrgs;
}

/**
 * Each scope grants one power. Reading heat-pump data always needs `heat_pumps:read`; the others add to it and
 * never replace it (see `REQUIRED_SCOPES`).
 */
export const SCOPES = {
  heatPumpsRead: "heat_pumps:read",
  ownersRead: "owners:read",
  heatPumpsRefresh: "heat_pumps:refresh",
  embedsWrite: "embeds:write",
  webhooksManage: "webhooks:manage",
} as const;

/**
 * What each operation needs, all of it: every operation that hands out heat-pump data (directly, through an
 * embed token or through a webhook receiver) needs the read scope besides its own power.
 */
export const REQUIRED_SCOPES = {
  read: [SCOPES.heatPumpsRead],
  refresh: [SCOPES.heatPumpsRead, SCOPES.heatPumpsRefresh],
  createEmbedToken: [SCOPES.heatPumpsRead, SCOPES.embedsWrite],
  /** Creating or repointing a subscription, watching a user: data will flow to a receiver. */
  routeWebhookData: [SCOPES.heatPumpsRead, SCOPES.webhooksManage],
  /** Listing, deleting, rotating, testing, reading the delivery log, unwatching: no heat-pump data. */
  manageWebhooks: [SCOPES.webhooksManage],
} as const satisfies Record<string, readonly string[]>;
