import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { HeatPumpNotFoundError } from "../problems/errors.ts";
import { loadHeatPumps, PRIVATE_NO_CACHE, reshape } from "./load.ts";
import { compactHeatPump } from "./reshape.ts";
import type { HeatPump } from "./schemas.ts";
import type { getHeatPumpRoute, listHeatPumpsRoute } from "./routes.ts";

export const listHeatPumps: RouteHandler<typeof listHeatPumpsRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  const { view, status } = c.req.valid("query");
  const loaded = await loadHeatPumps(c, params);
  const heatPumps = reshape(loaded, c).filter((heatPump) => status === undefined || heatPump.status.overall === status);
  const data = view === "compact" ? heatPumps.map(compactHeatPump) : heatPumps;
  const meta = { fetched_at: loaded.list.fetchedAt, stale: loaded.list.stale, count: data.length, view, invalid_items: loaded.list.invalid };
  return c.json({ data, meta }, 200, PRIVATE_NO_CACHE);
};

export const getHeatPump: RouteHandler<typeof getHeatPumpRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  const { view } = c.req.valid("query");
  const loaded = await loadHeatPumps(c, params);
  const item = loaded.list.items.find((candidate) => candidate.id === params.heat_pump_id);
  if (!item) throw new HeatPumpNotFoundError("This user has no heat pump with this id.");
  const [heatPump] = reshape(loaded, c, [item]) as [HeatPump];
  const data = view === "compact" ? compactHeatPump(heatPump) : heatPump;
  return c.json({ data, meta: { fetched_at: loaded.list.fetchedAt, stale: loaded.list.stale, view } }, 200, PRIVATE_NO_CACHE);
};
