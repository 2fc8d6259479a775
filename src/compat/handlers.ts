import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { answer, loadHeatPumps } from "../heat-pumps/load.ts";
import type { upstreamCompatibleListRoute } from "./routes.ts";

export const listHeatPumpsPoderoCompatible: RouteHandler<typeof upstreamCompatibleListRoute, AppEnv> = async (c) => {
  const reading = await loadHeatPumps(c, c.req.valid("param"));
  const headers: Record<string, string> = { "x-fetched-at": reading.list.fetchedAt };
  if (reading.list.invalid.length > 0) headers["x-invalid-upstream-items"] = String(reading.list.invalid.length);
  return answer(c, reading, { kind: "compat" }, headers) as never;
};
