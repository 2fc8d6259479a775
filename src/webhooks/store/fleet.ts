/**
 * D1 access for the fleet view (migration 0007): each watched user's heat pumps as the latest check saw them. The
 * webhook worker writes them after each check; the API reads pages of them, in (user_id, heat_pump_id) order, by
 * index.
 *
 * @module
 */
import type { HeatPump, OverallStatus } from "../../heat-pumps/schemas.ts";

export interface FleetRow {
  user_id: string;
  heat_pump_id: string;
  fetched_at: string;
  changed_at: string;
  body: string;
}

/** The user's heat pumps now (those that may be unreadable kept as last seen); `changed_at` moves only with a change. */
export async function writeFleet(db: D1Database, orgId: string, userId: string, heatPumps: readonly HeatPump[], fetchedAt: string): Promise<void> {
  const kept = heatPumps.filter((heatPump) => heatPump.id);
  const statements = kept.map((heatPump) =>
    db
      .prepare(
        `INSERT INTO fleet_heat_pumps (org_id, user_id, heat_pump_id, status, online, action_needed, fetched_at, changed_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)
         ON CONFLICT (org_id, user_id, heat_pump_id) DO UPDATE SET status = excluded.status, online = excluded.online, action_needed = excluded.action_needed,
         fetched_at = excluded.fetched_at, changed_at = CASE WHEN fleet_heat_pumps.body = excluded.body THEN fleet_heat_pumps.changed_at ELSE excluded.fetched_at END, body = excluded.body`,
      )
      .bind(orgId, userId, heatPump.id, heatPump.status.overall, heatPump.status.online ? 1 : 0, heatPump.status.action_needed ? 1 : 0, fetchedAt, JSON.stringify(heatPump)),
  );
  const ids = kept.map((heatPump) => heatPump.id!);
  statements.push(
    db.prepare(`DELETE FROM fleet_heat_pumps WHERE org_id = ?1 AND user_id = ?2 AND heat_pump_id NOT IN (SELECT value FROM json_each(?3))`).bind(orgId, userId, JSON.stringify(ids)),
  );
  await db.batch(statements);
}

export interface FleetFilter {
  statuses?: readonly OverallStatus[];
  userIds?: readonly string[];
  online?: boolean;
  actionNeeded?: boolean;
  changedSince?: string;
}

/** The query for one page: keyset after (user_id, heat_pump_id); with one status, the status index serves it. */
export function fleetQuery(orgId: string, filter: FleetFilter, after: [string, string] | undefined, limit: number): { sql: string; values: unknown[] } {
  const where = ["org_id = ?"];
  const values: unknown[] = [orgId];
  if (filter.statuses?.length) {
    where.push(filter.statuses.length === 1 ? "status = ?" : `status IN (${filter.statuses.map(() => "?").join(", ")})`);
    values.push(...filter.statuses);
  }
  if (filter.userIds?.length) {
    where.push(`user_id IN (${filter.userIds.map(() => "?").join(", ")})`);
    values.push(...filter.userIds);
  }
  if (filter.online !== undefined) {
    where.push("online = ?");
    values.push(filter.online ? 1 : 0);
  }
  if (filter.actionNeeded !== undefined) {
    where.push("action_needed = ?");
    values.push(filter.actionNeeded ? 1 : 0);
  }
  if (filter.changedSince) {
    where.push("changed_at >= ?");
    values.push(filter.changedSince);
  }
  if (after) {
    where.push("(user_id, heat_pump_id) > (?, ?)");
    values.push(after[0], after[1]);
  }
  values.push(limit);
  return { sql: `SELECT user_id, heat_pump_id, fetched_at, changed_at, body FROM fleet_heat_pumps WHERE ${where.join(" AND ")} ORDER BY user_id, heat_pump_id LIMIT ?`, values };
}

export async function fleetPage(db: D1Database, orgId: string, filter: FleetFilter, after: [string, string] | undefined, limit: number): Promise<FleetRow[]> {
  const { sql, values } = fleetQuery(orgId, filter, after, limit);
  return (await db.prepare(sql).bind(...values).all<FleetRow>()).results;
}

export interface FleetSummary {
  heat_pumps: number;
  by_status: Record<OverallStatus, number>;
  online: number;
  action_needed: number;
  oldest_fetched_at: string | null;
}

export async function fleetSummary(db: D1Database, orgId: string): Promise<FleetSummary> {
  const { results } = await db
    .prepare("SELECT status, count(*) AS n, sum(online) AS online, sum(action_needed) AS action_needed, min(fetched_at) AS oldest FROM fleet_heat_pumps WHERE org_id = ?1 GROUP BY status")
    .bind(orgId)
    .all<{ status: OverallStatus; n: number; online: number; action_needed: number; oldest: string }>();
  const summary: FleetSummary = { heat_pumps: 0, by_status: { ok: 0, warning: 0, error: 0, unknown: 0 }, online: 0, action_needed: 0, oldest_fetched_at: null };
  for (const row of results) {
    summary.heat_pumps += row.n;
    if (Object.hasOwn(summary.by_status, row.status)) summary.by_status[row.status] += row.n;
    summary.online += row.online;
    summary.action_needed += row.action_needed;
    if (!summary.oldest_fetched_at || row.oldest < summary.oldest_fetched_at) summary.oldest_fetched_at = row.oldest;
  }
  return summary;
}
