/**
 * Embeds: the embed-token exchange (a partner route), the widget data (embed tokens only, CORS for the token's
 * origins), the card and its loader, and the embed keys.
 *
 * @module
 */
import type { EdgeApp, SharedMiddleware } from "../app-env.ts";
import { partnerRateLimit } from "../rate-limit/middleware.ts";
import { cardPage, embedLoader } from "./card/handlers.ts";
import { createEmbedToken, embedHeatPumps, embedJwks } from "./handlers.ts";
import { embedAuth, embedCors } from "./middleware.ts";
import { createEmbedTokenRoute, embedCardRoute, embedHeatPumpsRoute, embedLoaderRoute, jwksRoute } from "./routes.ts";

export function registerEmbedRoutes(app: EdgeApp, { conditional }: SharedMiddleware): void {
  // Embed routes take the edge's own short-lived embed tokens, never partner tokens.
  app.use("/v1/embed/*", embedCors(), embedAuth(), partnerRateLimit(), conditional);
  app.openapi(embedHeatPumpsRoute, embedHeatPumps);
  app.openapi(createEmbedTokenRoute, createEmbedToken);
  app.openapi(jwksRoute, embedJwks);
  app.use("/embed/heat-pumps", conditional);
  // HTML and JavaScript, not JSON: plain routes, described in the same document.
  app.get("/embed/heat-pumps", cardPage);
  app.get("/embed.js", embedLoader);
  app.openAPIRegistry.registerPath(embedCardRoute);
  app.openAPIRegistry.registerPath(embedLoaderRoute);
  app.openAPIRegistry.registerComponent("securitySchemes", "embedToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An embed token from `createEmbedToken` (`typ: embed+jwt`); partner tokens are refused here.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "embedTokenQuery", { type: "apiKey", in: "query", name: "token", description: "The embed token as `?token=` (iframes)." });
}
