import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { cacheHeaders } from "../cache/http-headers.ts";
import { loadHeatPumps } from "../heat-pumps/load.ts";
import { upstreamShape } from "../heat-pumps/upstream-shape.ts";
import type { upstreamCompatibleListRoute } from "./routes.ts";

export const listHeatPumpsPoderoCompatible: RouteHandler<typeof upstreamCompatibleListRoute, AppEnv> = async (c) => {
  const { grant, list } = await loadHeatPumps(c, c.req.valid("param"));
  const headers: Record<string, string> = { ...cacheHeaders(list.cache), "x-fetched-at": list.fetchedAt };
  if (list.invalid.length > 0) headers["x-invalid-upstream-items"] = String(list.invalid.length);
  return c.json(list.items.map((item) => upstreamShape(item, grant.ownersVisible)), 200, headers);
};
