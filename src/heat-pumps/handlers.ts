import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { cacheHeaders } from "../cache/http-headers.ts";
import { HeatPumpNotFoundError } from "../problems/errors.ts";
import { loadHeatPumps, reshape, type LoadedHeatPumps } from "./load.ts";
import { compactHeatPump } from "./reshape.ts";
import type { getHeatPumpRoute, listHeatPumpsRoute, refreshHeatPumpsRoute } from "./routes.ts";
import type { HeatPump, OverallStatus } from "./schemas.ts";

function listBody(loaded: LoadedHeatPumps, heatPumps: HeatPump[], view: "full" | "compact", status: OverallStatus | undefined) {
  const selected = heatPumps.filter((heatPump) => status === undefined || heatPump.status.overall === status);
  const data = view === "compact" ? selected.map(compactHeatPump) : selected;
  return { data, meta: { fetched_at: loaded.list.fetchedAt, stale: loaded.list.stale, count: data.length, view, invalid_items: loaded.list.invalid } };
}

export const listHeatPumps: RouteHandler<typeof listHeatPumpsRoute, AppEnv> = async (c) => {
  const { view, status } = c.req.valid("query");
  const loaded = await loadHeatPumps(c, c.req.valid("param"));
  return c.json(listBody(loaded, reshape(loaded, c), view, status), 200, cacheHeaders(loaded.list.cache));
};

export const refreshHeatPumps: RouteHandler<typeof refreshHeatPumpsRoute, AppEnv> = async (c) => {
  const { view, status } = c.req.valid("query");
  const loaded = await loadHeatPumps(c, c.req.valid("param"), { forceRefresh: true, scopes: REQUIRED_SCOPES.refresh });
  const body = listBody(loaded, reshape(loaded, c), view, status);
  // Podero was asked now and answered: not throttled, not within a failure backoff, not a stored copy standing in.
  const refreshed = loaded.list.cache.status === "refreshed";
  return c.json({ data: body.data, meta: { ...body.meta, refreshed } }, 200, cacheHeaders(loaded.list.cache));
};

export const getHeatPump: RouteHandler<typeof getHeatPumpRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  const { view } = c.req.valid("query");
  const loaded = await loadHeatPumps(c, params);
  const item = loaded.list.items.find((candidate) => candidate.id === params.heat_pump_id);
  if (!item) throw new HeatPumpNotFoundError("This user has no heat pump with this id.");
  const [heatPump] = reshape(loaded, c, [item]) as [HeatPump];
  const data = view === "compact" ? compactHeatPump(heatPump) : heatPump;
  return c.json({ data, meta: { fetched_at: loaded.list.fetchedAt, stale: loaded.list.stale, view } }, 200, cacheHeaders(loaded.list.cache));
};
