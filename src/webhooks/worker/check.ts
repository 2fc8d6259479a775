import { authorizeWatch } from "../../auth/authorize.ts";
import { issuerMayActFor } from "../../auth/issuer-access.ts";
import type { EdgeConfig } from "../../config/config.ts";
import { reshapeHeatPump } from "../../heat-pumps/reshape.ts";
import type { HeatPump } from "../../heat-pumps/schemas.ts";
import { readHeatPumps } from "../../heat-pumps/read.ts";
import type { HeatPumpList } from "../../heat-pumps/source.ts";
import type { UpstreamCircuitClient } from "../../upstream/circuit.ts";
import { sendAll } from "../batches.ts";
import { detectChanges, nextSnapshot, webhookPayload, type Unreadable } from "../changes.ts";
import { eventId } from "../event-id.ts";
import type { CheckMessage, DeliverMessage } from "../messages.ts";
import { recordEvents, type EventRow } from "../store/events.ts";
import { recordFeed } from "../store/feed.ts";
import { writeFleet } from "../store/fleet.ts";
import { advanceSnapshot, readSnapshot } from "../store/snapshots.ts";
import { activeSubscriptions, subscriptionWants } from "../store/subscriptions.ts";

export interface CheckDeps {
  config: EdgeConfig;
  /** The shared upstream circuit breaker, when bound. */
  circuit?: UpstreamCircuitClient;
  db: D1Database;
  kv: KVNamespace;
  queue: Queue<DeliverMessage>;
  waitUntil: (promise: Promise<unknown>) => void;
}

export interface CheckResult {
  events: number;
  deliveries: number;
  skipped?: string;
}

/** Items Podero sent that could not be read: nothing may be concluded about them (least of all a deletion). */
function unreadableOf(list: HeatPumpList): Unreadable {
  return { ids: new Set(list.invalid.flatMap((item) => (item.id ? [item.id] : []))), anonymous: list.invalid.some((item) => !item.id) };
}

/**
 * One watched user: fetch through the same upstream client and cache (a fresh fetch refreshes the cache for
 * readers too), compare with the last snapshot, queue one delivery per (event, matching subscription), then
 * advance the snapshot. A failed fetch — or the cache standing in for a failing Podero — makes no events and
 * leaves the snapshot as it was. Run twice, it makes the same event ids and queues nothing new that matters:
 * receivers deduplicate by `webhook-id`, and only one run moves the snapshot.
 */
export async function checkUser(message: CheckMessage, deps: CheckDeps): Promise<CheckResult> {
  // The watch acts for its organisation only while the issuer that registered it may (settings in force now).
  const grant = authorizeWatch(deps.config.issuers, { orgId: message.org_id, userId: message.user_id, issuer: message.issuer ?? null });
  if (!grant) return { events: 0, deliveries: 0, skipped: "the watch's issuer may no longer act for this organisation" };
  let list: HeatPumpList;
  try {
    // The same read path as every reader: a check refreshes the cache for them too.
    const call = { requestId: `webhook-check-${crypto.randomUUID()}`, traceparent: undefined, observed: {}, circuit: deps.circuit };
    ({ list } = await readHeatPumps(grant, { forceRefresh: true }, { config: deps.config, kv: deps.kv, waitUntil: deps.waitUntil, call }));
  } catch (error) {
    return { events: 0, deliveries: 0, skipped: `upstream: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (list.stale) return { events: 0, deliveries: 0, skipped: "upstream failing (stored copy only)" };

  const seenAt = Date.parse(list.fetchedAt);
  const current = list.items.map((item) => reshapeHeatPump(item, { now: seenAt, staleAfterSeconds: deps.config.stateStaleAfterSeconds, ownersVisible: false }));
  const stored = await readSnapshot(deps.db, grant.orgId, grant.userId);
  const previous = stored ? (JSON.parse(stored.heat_pumps) as HeatPump[]) : undefined;
  const unreadable = unreadableOf(list);
  // A baseline only from a complete answer: an item left out now would be "created" when it reads again.
  if (!stored && (unreadable.anonymous || unreadable.ids.size > 0)) return { events: 0, deliveries: 0, skipped: "baseline waits for a complete answer" };
  const events = detectChanges(previous, current, unreadable);

  const deliveries: DeliverMessage[] = [];
  if (events.length > 0 && stored) {
    const subscriptions = (await activeSubscriptions(deps.db, grant.orgId)).filter((subscription) => issuerMayActFor(deps.config.issuers, subscription.issuer, grant.orgId));
    const origin = { orgId: grant.orgId, userId: grant.userId, snapshotTakenAt: stored.taken_at };
    const records: EventRow[] = [];
    const feed: { event_id: string; event_type: string; payload: string }[] = [];
    for (const event of events) {
      // The id and the body come from the change itself (and when the edge saw it): a re-run repeats both.
      const id = await eventId(origin, event);
      const payload = webhookPayload(event, new Date(seenAt));
      feed.push({ event_id: id, event_type: event.type, payload });
      for (const subscription of subscriptions.filter((candidate) => subscriptionWants(candidate, event.type, grant.userId))) {
        deliveries.push({ kind: "deliver", org_id: grant.orgId, subscription_id: subscription.id, event_id: id, event_type: event.type, payload, attempt: 1 });
        records.push({ subscription_id: subscription.id, event_id: id, org_id: grant.orgId, event_type: event.type, payload, created_at: new Date(seenAt).toISOString() });
      }
    }
    // In the feed, kept for replay, then queued — all before the snapshot moves, so a crash loses nothing (a re-run
    // repeats the ids, and each store keeps an id once).
    await recordFeed(deps.db, grant.orgId, grant.userId, feed, new Date(seenAt).toISOString());
    await recordEvents(deps.db, records);
    await sendAll(deps.queue, deliveries);
  }
  const kept = nextSnapshot(previous, current, unreadable);
  const moved = await advanceSnapshot(deps.db, grant.orgId, grant.userId, JSON.stringify(kept), new Date(Date.now()).toISOString(), stored?.taken_at ?? null);
  // The fleet view: what this check saw (only the run that moved the snapshot writes it).
  if (moved) await writeFleet(deps.db, grant.orgId, grant.userId, kept, list.fetchedAt);
  return { events: events.length, deliveries: deliveries.length };
}
