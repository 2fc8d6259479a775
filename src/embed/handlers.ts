import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "../auth/authorize.ts";
import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { configFor } from "../config/config.ts";
import { answer, loadHeatPumps } from "../heat-pumps/load.ts";
import { HeatPumpNotFoundError, ValidationError } from "../problems/errors.ts";
import { issueEmbedToken } from "./embed-token.ts";
import { checkOrigin } from "./origins.ts";
import type { createEmbedTokenRoute, embedHeatPumpsRoute, jwksRoute } from "./routes.ts";
import { embedKeyRing } from "./signing-key.ts";

export const createEmbedToken: RouteHandler<typeof createEmbedTokenRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  const body = c.req.valid("json");
  const config = configFor(c.env);
  const grant = authorize(c.get("principal"), { orgId: params.org_id, userId: params.user_id }, REQUIRED_SCOPES.createEmbedToken);

  const checked = body.origins.map((origin, index) => ({ index, result: checkOrigin(origin, config.development) }));
  const refused = checked.filter((entry) => "error" in entry.result);
  if (refused.length > 0) {
    const errors = refused.map(({ index, result }) => ({ in: "body" as const, name: `origins.${index}`, detail: `origins.${index}: ${(result as { error: string }).error}` }));
    throw new ValidationError(errors.map((error) => error.detail).join("; "), { extensions: { errors } });
  }
  const origins = [...new Set(checked.map(({ result }) => (result as { origin: string }).origin))];

  if (body.heat_pump_id) {
    // Bound to a heat pump the user has (through the cache, so this costs Podero nothing when warm).
    const { list } = await loadHeatPumps(c, params, { scopes: REQUIRED_SCOPES.createEmbedToken });
    if (!list.items.some((item) => item.id === body.heat_pump_id)) throw new HeatPumpNotFoundError("This user has no heat pump with this id.");
  }
  const { token, expiresAt } = await issueEmbedToken(
    config,
    { orgId: grant.orgId, userId: grant.userId, heatPumpId: body.heat_pump_id, origins, partner: c.get("principal").subject, partnerIssuer: grant.issuer },
    body.ttl_seconds,
  );
  c.get("log").embed_origins = origins.length;
  // A token answer is never cached (RFC 6749 §5.1).
  return c.json(
    { token, token_type: "Bearer" as const, expires_at: expiresAt.toISOString(), origins, heat_pump_id: body.heat_pump_id ?? null },
    200,
    { "cache-control": "no-store" },
  );
};

export const embedHeatPumps: RouteHandler<typeof embedHeatPumpsRoute, AppEnv> = async (c) => {
  const claims = c.get("embed")!;
  const reading = await loadHeatPumps(c, { org_id: claims.orgId, user_id: claims.userId });
  return answer(c, reading, { kind: "widget", heatPumpId: claims.heatPumpId }) as never;
};

export const embedJwks: RouteHandler<typeof jwksRoute, AppEnv> = async (c) => {
  const config = configFor(c.env);
  const keys = config.embedSigningKey ? (await embedKeyRing(config)).all.map((key) => key.publicJwk) : [];
  return c.json({ keys }, 200, { "cache-control": "public, max-age=3600" });
};
