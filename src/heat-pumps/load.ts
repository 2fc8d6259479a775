import type { Context } from "hono";
import { endTime, startTime } from "hono/timing";
import type { AppEnv } from "../app-env.ts";
import { authorize, type AccessGrant } from "../auth/authorize.ts";
import { configFor } from "../config/config.ts";
import { reshapeHeatPump } from "./reshape.ts";
import type { UpstreamHeatPump } from "../upstream/schema.ts";
import type { HeatPump } from "./schemas.ts";
import { upstreamSource, type HeatPumpList } from "./source.ts";

export interface LoadedHeatPumps {
  grant: AccessGrant;
  list: HeatPumpList;
}

/** Authorise the caller for this user, then (and only then) read the user's heat pumps. */
export async function loadHeatPumps(c: Context<AppEnv>, target: { org_id: string; user_id: string }): Promise<LoadedHeatPumps> {
  const config = configFor(c.env);
  const log = c.get("log");
  const grant = authorize(c.get("principal"), { orgId: target.org_id, userId: target.user_id });
  log.org_id = grant.orgId;
  log.user_id = grant.userId;
  log.issuer = grant.issuer;

  startTime(c, "upstream");
  let list: HeatPumpList;
  try {
    list = await upstreamSource(config).list(grant, {
      requestId: c.get("requestId"),
      traceparent: c.req.header("traceparent"),
      observed: log,
    });
  } finally {
    endTime(c, "upstream");
  }
  log.heat_pumps = list.items.length;
  if (list.invalid.length > 0) log.invalid_items = list.invalid;
  return { grant, list };
}

/** Reshapes the given items (default: all) for this caller, as of now. */
export function reshape({ grant, list }: LoadedHeatPumps, c: Context<AppEnv>, items: UpstreamHeatPump[] = list.items): HeatPump[] {
  const options = { now: Date.now(), staleAfterSeconds: configFor(c.env).stateStaleAfterSeconds, ownersVisible: grant.ownersVisible };
  return items.map((item) => reshapeHeatPump(item, options));
}

/** Answers carry one user's data: only the caller may keep them, and must ask again before reuse. */
export const PRIVATE_NO_CACHE = { "cache-control": "private, no-cache", vary: "Authorization" };
