import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { cacheHeaders } from "../cache/http-headers.ts";
import { configFor } from "../config/config.ts";
import { HeatPumpNotFoundError } from "../problems/errors.ts";
import { answer, loadHeatPumps } from "./load.ts";
import { representationValue } from "./representation.ts";
import type { getHeatPumpRoute, listHeatPumpsRoute, refreshHeatPumpsRoute } from "./routes.ts";

// The bodies are made once per stored copy (representation.ts) and sent as they are: typed by the routes' schemas
// through the representation, not by c.json.
export const listHeatPumps: RouteHandler<typeof listHeatPumpsRoute, AppEnv> = async (c) => {
  const { view, status } = c.req.valid("query");
  const reading = await loadHeatPumps(c, c.req.valid("param"));
  return answer(c, reading, { kind: "list", view, status }) as never;
};

export const refreshHeatPumps: RouteHandler<typeof refreshHeatPumpsRoute, AppEnv> = async (c) => {
  const { view, status } = c.req.valid("query");
  const reading = await loadHeatPumps(c, c.req.valid("param"), { forceRefresh: true, scopes: REQUIRED_SCOPES.refresh });
  const body = representationValue(reading, { kind: "list", view, status }, Date.now(), configFor(c.env).stateStaleAfterSeconds) as { data: unknown[]; meta: Record<string, unknown> };
  // Podero was asked now and answered: not throttled, not within a failure backoff, not a stored copy standing in.
  const refreshed = reading.list.cache.status === "refreshed";
  return c.json({ data: body.data, meta: { ...body.meta, refreshed } }, 200, cacheHeaders(reading.list.cache)) as never;
};

export const getHeatPump: RouteHandler<typeof getHeatPumpRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  const { view } = c.req.valid("query");
  const reading = await loadHeatPumps(c, params);
  if (!reading.list.items.some((candidate) => candidate.id === params.heat_pump_id)) throw new HeatPumpNotFoundError("This user has no heat pump with this id.");
  return answer(c, reading, { kind: "one", view, heatPumpId: params.heat_pump_id }) as never;
};
