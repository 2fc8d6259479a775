/**
 * The fleet view: every heat pump of an organisation's watched users, from the latest checks, filtered and paged;
 * and its summary. Read from D1 (src/webhooks/store/fleet.ts), which the webhook worker's checks keep.
 *
 * @module
 */
import type { EdgeApp } from "../app-env.ts";
import { listFleet, summariseFleet } from "./handlers.ts";
import { fleetRoute, fleetSummaryRoute } from "./routes.ts";

export function registerFleetRoutes(app: EdgeApp): void {
  app.openapi(fleetSummaryRoute, summariseFleet);
  app.openapi(fleetRoute, listFleet);
}
