import { SCOPES, type Principal } from "../auth/principal.ts";
import type { EmbedClaims } from "./embed-token.ts";

/** The issuer an embed principal carries: not a partner issuer (config refuses partner issuers of the edge's names). */
export const EMBED_ISSUER_KEY = "heat-pump-edge:embed";

/** An embed token as a principal: read-only, for its one organisation and user. */
export function embedPrincipal(claims: EmbedClaims): Principal {
  return { issuer: EMBED_ISSUER_KEY, subject: claims.partner, orgId: claims.orgId, userId: claims.userId, scopes: new Set([SCOPES.heatPumpsRead]), issuerOrgs: [claims.orgId] };
}
