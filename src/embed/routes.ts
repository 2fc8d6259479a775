import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { CACHE_RESPONSE_HEADERS } from "../heat-pumps/meta.ts";
import { ListMetaSchema } from "../heat-pumps/meta.ts";
import { UserPathParams } from "../heat-pumps/params.ts";
import { CompactHeatPumpSchema } from "../heat-pumps/schemas.ts";
import { authProblems, upstreamProblems } from "../openapi/common-responses.ts";
import { EmbeddingDisabledError, HeatPumpNotFoundError, InvalidTokenError, MisconfiguredError, MissingTokenError, OriginNotAllowedError, RateLimitedError, ValidationError } from "../problems/errors.ts";
import { problemResponses } from "../problems/openapi.ts";
import { EMBED_TTL } from "./embed-token.ts";
import { MAX_ORIGINS } from "./origins.ts";

export const EmbedTokenRequestSchema = z
  .object({
    origins: z
      .array(z.string().max(300))
      .min(1)
      .max(MAX_ORIGINS)
      .openapi({ description: "Origins of the partner pages that embed the card: https, no path, no wildcard (`http://localhost` only in development).", example: ["https://app.partner.example"] }),
    ttl_seconds: z.number().int().min(EMBED_TTL.min).max(EMBED_TTL.max).default(EMBED_TTL.default).openapi({ description: `Lifetime, ${EMBED_TTL.min}–${EMBED_TTL.max} s.` }),
    heat_pump_id: z
      .guid({ error: "heat_pump_id must be a UUID" })
      .transform((id) => id.toLowerCase())
      .optional()
      .openapi({ format: "uuid", description: "Limit the token to one heat pump (it must exist)." }),
  })
  .openapi("EmbedTokenRequest");

export const EmbedTokenSchema = z
  .object({
    token: z.string().openapi({ description: "An embed token (JWT, `typ: embed+jwt`), for `/embed/heat-pumps?token=` and `/v1/embed/heat-pumps`." }),
    token_type: z.literal("Bearer"),
    expires_at: z.string().openapi({ format: "date-time" }),
    origins: z.array(z.string()),
    heat_pump_id: z.string().nullable(),
  })
  .openapi("EmbedToken");

export const createEmbedTokenRoute = createRoute({
  method: "post",
  path: "/v1/orgs/{org_id}/users/{user_id}/embed-tokens",
  operationId: "createEmbedToken",
  tags: ["Embeds"],
  summary: "Exchange a partner token for a short-lived embed token",
  description: "Scopes `heat_pumps:read` + `embeds:write`. Read-only, edge-signed (`/.well-known/jwks.json`), bound to org, user, heat pump and origins, ≤ 1 h.",
  security: [{ bearerAuth: [...REQUIRED_SCOPES.createEmbedToken] }],
  request: { params: UserPathParams, body: { required: true, content: { "application/json": { schema: EmbedTokenRequestSchema } } } },
  responses: {
    200: { description: "The embed token.", content: { "application/json": { schema: EmbedTokenSchema } } },
    ...problemResponses(ValidationError, ...authProblems, HeatPumpNotFoundError, EmbeddingDisabledError, ...upstreamProblems),
  },
});

export const embedHeatPumpsRoute = createRoute({
  method: "get",
  path: "/v1/embed/heat-pumps",
  operationId: "embedHeatPumps",
  tags: ["Embeds"],
  summary: "The heat pumps an embed token may show (compact view)",
  description: "Embed token as Bearer or `?token=`. CORS only for the token's origins, never with credentials.",
  security: [{ embedToken: [] }, { embedTokenQuery: [] }],
  request: { query: z.object({ token: z.string().optional().openapi({ param: { name: "token", in: "query" }, description: "The embed token (for iframes)." }) }) },
  responses: {
    200: {
      description: "The heat pumps, compact.",
      headers: CACHE_RESPONSE_HEADERS,
      content: { "application/json": { schema: z.object({ data: z.array(CompactHeatPumpSchema), meta: ListMetaSchema }).openapi("EmbedHeatPumps") } },
    },
    304: { description: "Not modified.", headers: CACHE_RESPONSE_HEADERS },
    ...problemResponses(MissingTokenError, InvalidTokenError, OriginNotAllowedError, RateLimitedError, EmbeddingDisabledError, MisconfiguredError, ...upstreamProblems),
  },
});

export const jwksRoute = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  operationId: "embedJwks",
  tags: ["Embeds"],
  summary: "The public key that signs embed tokens (RFC 7517)",
  security: [],
  responses: {
    200: {
      description: "The JWK Set (empty when embedding is not set up).",
      content: { "application/json": { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi("JwkSet") } },
    },
    ...problemResponses(MisconfiguredError),
  },
});

export const embedCardRoute = createRoute({
  method: "get",
  path: "/embed/heat-pumps",
  operationId: "embedCard",
  tags: ["Embeds"],
  summary: "The heat-pump status card (HTML, for an iframe)",
  description: "Server-rendered, refreshes itself with ETags; CSP `frame-ancestors` = the token's origins. See docs/embedding.md.",
  security: [{ embedTokenQuery: [] }],
  request: {
    query: z.object({
      token: z.string().openapi({ param: { name: "token", in: "query" }, description: "The embed token." }),
      lang: z.string().optional().openapi({ param: { name: "lang", in: "query" }, description: "`en` (default) or `de`; otherwise Accept-Language." }),
      part: z.enum(["cards"]).optional().openapi({ param: { name: "part", in: "query" }, description: "Only the cards (HTML fragment)." }),
    }),
  },
  responses: {
    200: { description: "The card page (or the cards, with `part=cards`).", content: { "text/html": { schema: z.string() } } },
    304: { description: "The cards did not change (`part=cards` with `If-None-Match`)." },
    401: { description: "The card's expired state.", content: { "text/html": { schema: z.string() } } },
    503: { description: "The card's unavailable state.", content: { "text/html": { schema: z.string() } } },
  },
});

export const embedLoaderRoute = createRoute({
  method: "get",
  path: "/embed.js",
  operationId: "embedLoader",
  tags: ["Embeds"],
  summary: "The loader script: inserts the card's iframe and sizes it",
  security: [],
  responses: { 200: { description: "JavaScript.", content: { "text/javascript": { schema: z.string() } } } },
});
