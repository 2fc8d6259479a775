/**
 * Partner routes (`/v1/orgs/…`, `/api/partners/…`) take a partner JWT, are rate limited per issuer and organisation,
 * and answer conditional requests; the API document names the scheme.
 *
 * @module
 */
import type { EdgeApp, SharedMiddleware } from "../app-env.ts";
import { partnerRateLimit } from "../rate-limit/middleware.ts";
import { partnerAuth } from "./middleware.ts";

export function registerPartnerAuth(app: EdgeApp, { conditional }: SharedMiddleware): void {
  for (const partnerRoutes of ["/v1/orgs/*", "/api/partners/*"]) {
    app.use(partnerRoutes, partnerAuth(), partnerRateLimit(), conditional);
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A partner JWT from an issuer in `PARTNER_ISSUERS`: RS256, PS256, ES256 or EdDSA; `aud` = `JWT_AUDIENCE`; " +
      "`exp` required; claims `org_id`, `scope` (space-separated) and optionally `user_id`. Each operation lists every scope " +
      "it needs; `owners:read` adds owners' e-mail and names.",
  });
}
