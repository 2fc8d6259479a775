import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { authorizeOrganisation } from "../auth/authorize.ts";
import { REQUIRED_SCOPES } from "../auth/principal.ts";
import { compactHeatPump } from "../heat-pumps/reshape.ts";
import type { HeatPump } from "../heat-pumps/schemas.ts";
import { ValidationError } from "../problems/errors.ts";
import { requireDb } from "../webhooks/store/binding.ts";
import { fleetPage, fleetSummary } from "../webhooks/store/fleet.ts";
import type { fleetRoute, fleetSummaryRoute } from "./routes.ts";

const db = (c: Context<AppEnv>) => requireDb(c.env.DB);

const list = <T>(value: T | T[] | undefined): T[] | undefined => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

/** The opaque cursor: the last (user_id, heat_pump_id) of a page. */
function decodeCursor(after: string): [string, string] {
  try {
    const value = JSON.parse(atob(after.replaceAll("-", "+").replaceAll("_", "/"))) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === "string")) return value as [string, string];
  } catch {
    // below
  }
  throw new ValidationError("`after` is not a cursor this edge gave out.", { extensions: { errors: [{ in: "query", name: "after", detail: "not a cursor this edge gave out" }] } });
}

const encodeCursor = (userId: string, heatPumpId: string) => btoa(JSON.stringify([userId, heatPumpId])).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

export const listFleet: RouteHandler<typeof fleetRoute, AppEnv> = async (c) => {
  const grant = authorizeOrganisation(c.get("principal"), c.req.valid("param").org_id, REQUIRED_SCOPES.read);
  const query = c.req.valid("query");
  const filter = {
    statuses: list(query.status),
    userIds: list(query.user_id)?.map((id) => id.toLowerCase()),
    online: query.online === undefined ? undefined : query.online === "true",
    actionNeeded: query.action_needed === "true" ? true : undefined,
    changedSince: query.changed_since ? new Date(query.changed_since).toISOString() : undefined,
  };
  const rows = await fleetPage(db(c), grant.orgId, filter, query.after ? decodeCursor(query.after) : undefined, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const pollSeconds = Math.max(60, Number(c.env.WEBHOOK_POLL_SECONDS) || 120);
  const now = Date.now();
  const data = page.map((row) => {
    const heatPump = JSON.parse(row.body) as HeatPump;
    return {
      user_id: row.user_id,
      heat_pump: query.view === "compact" ? compactHeatPump(heatPump) : heatPump,
      meta: { fetched_at: row.fetched_at, stale: now - Date.parse(row.fetched_at) > 2 * pollSeconds * 1000 },
    };
  });
  const last = page.at(-1);
  return c.json({ data, next: rows.length > query.limit && last ? encodeCursor(last.user_id, last.heat_pump_id) : null }, 200, { "cache-control": "private, no-cache" });
};

export const summariseFleet: RouteHandler<typeof fleetSummaryRoute, AppEnv> = async (c) => {
  const grant = authorizeOrganisation(c.get("principal"), c.req.valid("param").org_id, REQUIRED_SCOPES.read);
  return c.json(await fleetSummary(db(c), grant.orgId), 200, { "cache-control": "private, no-cache" });
};
