import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { cacheHeaders } from "../cache/http-headers.ts";
import { configFor } from "../config/config.ts";
import { HeatPumpNotFoundError } from "../problems/errors.ts";
import { answer, loadHeatPumps } from "./load.ts";
import { reshaped } from "./representation.ts";
import { compactHeatPump } from "./reshape.ts";
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
  const selected = reshaped(reading, Date.now(), configFor(c.env).stateStaleAfterSeconds).filter((heatPump) => status === undefined || heatPump.status.overall === status);
  const data = view === "compact" ? selected.map(compactHeatPump) : selected;
  // Podero was asked now and answered: not throttled, not within a failure backoff, not a stored copy standing in.
  const refreshed = reading.list.cache.status === "refreshed";
  const { list } = reading;
  const meta = { fetched_at: list.fetchedAt, stale: list.stale, count: data.length, view, invalid_items: list.invalid, refreshed };
  return c.json({ data, meta }, 200, cacheHeaders(list.cache));
};

export const getHeatPump: RouteHandler<typeof getHeatPumpRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  const { view } = c.req.valid("query");
  const reading = await loadHeatPumps(c, params);
  if (!reading.list.items.some((candidate) => candidate.id === params.heat_pump_id)) throw new HeatPumpNotFoundError("This user has no heat pump with this id.");
  return answer(c, reading, { kind: "one", view, heatPumpId: params.heat_pump_id }) as never;
};
