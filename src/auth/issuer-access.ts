/**
 * Which organisations a partner issuer may act for, decided from the settings in force now.
 *
 * Used when a token is verified and again, for what was registered through a token (webhook subscriptions,
 * watches), at every poll and delivery: removing an issuer, or narrowing its `orgs`, stops the data of the
 * organisations it lost from flowing anywhere it had pointed it.
 *
 * @module
 */
import type { IssuerConfig } from "../config/config.ts";

/** `"*"` (said outright in `PARTNER_ISSUERS`) or the organisations listed there, lower-cased. */
export type IssuerOrgs = "*" | readonly string[];

export function orgsAllow(orgs: IssuerOrgs, orgId: string): boolean {
  return orgs === "*" || orgs.includes(orgId.toLowerCase());
}

/** May the issuer named `issuer` (as stored with a subscription or watch) still act for `orgId`? */
export function issuerMayActFor(issuers: readonly IssuerConfig[], issuer: string | null, orgId: string): boolean {
  if (issuer === null) return false;
  const entry = issuers.find((candidate) => candidate.issuer === issuer);
  return entry !== undefined && orgsAllow(entry.orgs, orgId);
}
