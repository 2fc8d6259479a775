/**
 * Heat pumps: the edge's representation (list, one, refresh) and Podero's own shape for migrating apps, all
 * through the one read path (src/heat-pumps/read.ts).
 *
 * @module
 */
import type { EdgeApp } from "../app-env.ts";
import { listHeatPumpsPoderoCompatible } from "../compat/handlers.ts";
import { upstreamCompatibleListRoute } from "../compat/routes.ts";
import { getHeatPump, listHeatPumps, refreshHeatPumps } from "./handlers.ts";
import { getHeatPumpRoute, listHeatPumpsRoute, refreshHeatPumpsRoute } from "./routes.ts";

export function registerHeatPumpRoutes(app: EdgeApp): void {
  app.openapi(listHeatPumpsRoute, listHeatPumps);
  app.openapi(refreshHeatPumpsRoute, refreshHeatPumps);
  app.openapi(getHeatPumpRoute, getHeatPump);
  app.openapi(upstreamCompatibleListRoute, listHeatPumpsPoderoCompatible);
}
