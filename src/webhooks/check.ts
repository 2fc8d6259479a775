import { authorize } from "../auth/authorize.ts";
import { issuerMayActFor } from "../auth/issuer-access.ts";
import { SCOPES } from "../auth/principal.ts";
import { cachedSource } from "../cache/cached-source.ts";
import type { EdgeConfig } from "../config/config.ts";
import { reshapeHeatPump } from "../heat-pumps/reshape.ts";
import type { HeatPump } from "../heat-pumps/schemas.ts";
import { detectChanges, webhookPayload } from "./changes.ts";
import type { CheckMessage, DeliverMessage } from "./messages.ts";
import type { SubscriptionRow } from "./store.ts";

export interface CheckDeps {
  config: EdgeConfig;
  db: D1Database;
  kv: KVNamespace;
  queue: Queue<DeliverMessage>;
  waitUntil: (promise: Promise<unknown>) => void;
}

/**
 * One watched user: fetch through the same upstream client and cache (a fresh fetch refreshes the cache for
 * readers too), compare with the last snapshot, queue one delivery per (event, matching subscription), then
 * advance the snapshot. A failed fetch — or the cache standing in for a failing Podero — makes no events and
 * leaves the snapshot as it was.
 */
export async function checkUser(message: CheckMessage, deps: CheckDeps): Promise<{ events: number; deliveries: number; skipped?: string }> {
  // The watch acts for its organisation only while the issuer that registered it may (settings in force now).
  if (!issuerMayActFor(deps.config.issuers, message.issuer ?? null, message.org_id)) {
    return { events: 0, deliveries: 0, skipped: "the watch's issuer may no longer act for this organisation" };
  }
  const grant = authorize(
    { issuer: "heat-pump-edge:webhooks", subject: undefined, orgId: message.org_id, userId: message.user_id, scopes: new Set([SCOPES.heatPumpsRead]), issuerOrgs: [message.org_id] },
    { orgId: message.org_id, userId: message.user_id },
  );
  let list;
  try {
    list = await cachedSource(deps.config, { kv: deps.kv, waitUntil: deps.waitUntil }).list(grant, {
      call: { requestId: `webhook-check-${crypto.randomUUID()}`, traceparent: undefined, observed: {} },
      forceRefresh: true,
    });
  } catch (error) {
    return { events: 0, deliveries: 0, skipped: `upstream: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (list.stale) return { events: 0, deliveries: 0, skipped: "upstream failing (stored copy only)" };

  const now = Date.now();
  const current = list.items.map((item) => reshapeHeatPump(item, { now, staleAfterSeconds: deps.config.stateStaleAfterSeconds, ownersVisible: false }));
  const stored = await deps.db.prepare("SELECT heat_pumps FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(grant.orgId, grant.userId).first<{ heat_pumps: string }>();
  const events = detectChanges(stored ? (JSON.parse(stored.heat_pumps) as HeatPump[]) : undefined, current);

  const deliveries: DeliverMessage[] = [];
  if (events.length > 0) {
    const { results } = await deps.db.prepare("SELECT * FROM webhook_subscriptions WHERE org_id = ?1 AND enabled = 1 AND status != 'disabled'").bind(grant.orgId).all<SubscriptionRow>();
    const allowed = results.filter((subscription) => issuerMayActFor(deps.config.issuers, subscription.issuer, grant.orgId));
    for (const event of events) {
      const payload = webhookPayload(event, new Date(now));
      for (const subscription of allowed) {
        const types = JSON.parse(subscription.events) as string[];
        const users = subscription.user_ids === null ? null : (JSON.parse(subscription.user_ids) as string[]);
        if ((types.length > 0 && !types.includes(event.type)) || (users && !users.includes(grant.userId))) continue;
        deliveries.push({ kind: "deliver", org_id: grant.orgId, subscription_id: subscription.id, event_id: `msg_${crypto.randomUUID()}`, event_type: event.type, payload, attempt: 1 });
      }
    }
    // Every (event, subscription) pair is one message; queued before the snapshot moves, so nothing is lost.
    for (let start = 0; start < deliveries.length; start += 100) {
      await deps.queue.sendBatch(deliveries.slice(start, start + 100).map((body) => ({ body })));
    }
  }
  await deps.db
    .prepare("INSERT INTO snapshots (org_id, user_id, heat_pumps, taken_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (org_id, user_id) DO UPDATE SET heat_pumps = excluded.heat_pumps, taken_at = excluded.taken_at")
    .bind(grant.orgId, grant.userId, JSON.stringify(current), new Date(now).toISOString())
    .run();
  return { events: events.length, deliveries: deliveries.length };
}
