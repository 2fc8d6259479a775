/** Who is calling: what a verified partner token says, nothing else. */
export interface Principal {
  issuer: string;
  subject: string | undefined;
  /** Lower-cased `org_id` claim. */
  orgId: string;
  /** Lower-cased `user_id` claim, when the token is limited to one user. */
  userId: string | undefined;
  scopes: ReadonlySet<string>;
  /** Organisations the issuer may act for (from `PARTNER_ISSUERS[].orgs`); undefined = no limit. */
  issuerOrgs: readonly string[] | undefined;
}

export const SCOPES = {
  heatPumpsRead: "heat_pumps:read",
  ownersRead: "owners:read",
  heatPumpsRefresh: "heat_pumps:refresh",
  embedsWrite: "embeds:write",
  webhooksManage: "webhooks:manage",
} as const;
