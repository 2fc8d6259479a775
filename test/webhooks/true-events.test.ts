// The API worker first: it extends zod for OpenAPI before any schema module of the webhook worker is evaluated.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import worker from "../../src/webhooks/worker/index.ts";
import { check, E, FAKE, partnerApi, pastRefreshThrottle, pause, received, scheduledRun, setItems, settled, subscribe, until, watch } from "./helpers.ts";

// Events partners can act on, end to end in workerd: true (no deletion from an unreadable item), one id per change
// (a re-run repeats it), retries that end, cancellation, replay with the original ids, and fan-out within Queues' limits.

const rows = async <T>(sql: string, ...values: unknown[]) => (await E.DB.prepare(sql).bind(...values).all<T>()).results;

describe("events are true", () => {
  it("an item Podero sends that the edge cannot read is not deleted, and nothing is said of it until it reads again", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    const [a, b] = [heatPump({}, `drift-a-${userId}`), heatPump({}, `drift-b-${userId}`)];
    await setItems(userId, [a, b]);
    await check(orgId, userId); // baseline
    await setItems(userId, [a, { ...b, device_model: "not an object" }]); // b drifted: unreadable, id still readable
    pastRefreshThrottle();
    await check(orgId, userId);
    await setItems(userId, [a, { id: 42 }]); // an unreadable item without a readable id
    pastRefreshThrottle();
    await check(orgId, userId);
    await setItems(userId, [a, b]); // b reads again, unchanged
    pastRefreshThrottle();
    await check(orgId, userId);
    expect(await settled(orgId, id, receiver)).toEqual([]); // no event from any of these checks, false or otherwise
    const snapshot = await E.DB.prepare("SELECT heat_pumps FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first<{ heat_pumps: string }>();
    expect((JSON.parse(snapshot!.heat_pumps) as { id: string }[]).map((hp) => hp.id).sort()).toEqual([a.id, b.id].sort());
  });

  it("takes the baseline only from a complete answer: an item unreadable at first is not 'created' later", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    const [a, b] = [heatPump({}, `base-a-${userId}`), heatPump({}, `base-b-${userId}`)];
    await setItems(userId, [a, { ...b, device_model: "not an object" }]);
    await check(orgId, userId); // incomplete: no baseline yet
    expect(await E.DB.prepare("SELECT 1 FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first()).toBeNull();
    await setItems(userId, [a, b]);
    pastRefreshThrottle();
    await check(orgId, userId); // the baseline
    expect(await settled(orgId, id, receiver)).toEqual([]);
  });

  it("a check that runs again from the same snapshot (a crash before it moved) repeats the same webhook-id", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    await subscribe(orgId, receiver);
    const pump = heatPump({}, `rerun-${userId}`);
    await setItems(userId, [pump]);
    await check(orgId, userId);
    const before = await E.DB.prepare("SELECT heat_pumps, taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first<{ heat_pumps: string; taken_at: string }>();
    await setItems(userId, [{ ...pump, connection_status: "error" }]);
    pastRefreshThrottle();
    await check(orgId, userId);
    // As if the first run had crashed after queueing: the snapshot is where it was, the check runs again — and
    // meanwhile the power draw and the hot water moved, as they do between two polls.
    await E.DB.prepare("UPDATE snapshots SET heat_pumps = ?3, taken_at = ?4 WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId, before!.heat_pumps, before!.taken_at).run();
    await setItems(userId, [{ ...pump, connection_status: "error", current_power_consumption_w: 1180, dhw_temperature: 47.9 }]);
    pastRefreshThrottle();
    await check(orgId, userId);
    // The re-run also sees the moved values as an update of their own; the status change is the same event.
    const deliveries = await until(() => received(receiver), (list) => list.length >= 3);
    const statusChanges = deliveries.filter((delivery) => (JSON.parse(delivery.body) as { type: string }).type === "heat_pump.status_changed");
    expect(statusChanges).toHaveLength(2);
    expect(statusChanges[1]!.headers["webhook-id"]).toBe(statusChanges[0]!.headers["webhook-id"]);
    const [first, second] = statusChanges.map((delivery) => JSON.parse(delivery.body) as { data: { heat_pump_id: string; previous: string; current: string } });
    expect(second!.data).toMatchObject({ heat_pump_id: first!.data.heat_pump_id, previous: first!.data.previous, current: first!.data.current });
  });

  it("tells a new action once, as heat_pump.action_required with its resolution URL", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    await subscribe(orgId, receiver, { events: ["heat_pump.action_required"] });
    const pump = heatPump({}, `action-${userId}`);
    await setItems(userId, [pump]);
    await check(orgId, userId);
    const reauth = { code: "reauthenticate", description: "Log in again", resolution_url: "https://auth.example/re" };
    await setItems(userId, [{ ...pump, actions: [reauth] }]);
    pastRefreshThrottle();
    await check(orgId, userId);
    const [delivery] = await until(() => received(receiver), (list) => list.length >= 1);
    expect(JSON.parse(delivery!.body)).toMatchObject({ type: "heat_pump.action_required", data: { heat_pump_id: pump.id, actions: [reauth] } });
  });

  it("fans one event out to 150 subscriptions in batches within Queues' size and count limits", { timeout: 60_000 }, async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    for (let i = 0; i < 150; i++) await subscribe(orgId, receiver);
    // About 3 KB of payload each, not all Latin-1 (as V8 would store it: two bytes a character): 100 of them would
    // be over a batch's 256 KB.
    const pump = heatPump({ comment: "Wärmepumpe – Wartung ".repeat(100) }, `fan-${userId}`);
    await setItems(userId, [pump]);
    await check(orgId, userId);
    await setItems(userId, [{ ...pump, connection_status: "error" }]);
    pastRefreshThrottle();
    await check(orgId, userId);
    const deliveries = await until(() => received(receiver), (list) => list.length >= 150, 45_000);
    expect(deliveries).toHaveLength(150);
    expect(new Set(deliveries.map((delivery) => delivery.headers["webhook-id"])).size).toBe(1);
  });
});

describe("retries end", () => {
  it("caps a receiver's huge Retry-After at 24 h", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    await fetch(`${FAKE}/__receiver/${receiver}`, { method: "PUT", body: JSON.stringify({ statuses: [{ status: 503, headers: { "retry-after": "999999999999" } }] }) });
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: {} });
    await (E.WEBHOOK_QUEUE as Queue<unknown>).send({ kind: "deliver", org_id: orgId, subscription_id: id, event_id: "msg_retry_after", event_type: "webhook.test", payload, attempt: 1 });
    const [attempt] = await until(
      () => rows<{ next_retry_at: string; outcome: string }>("SELECT next_retry_at, outcome FROM webhook_deliveries WHERE subscription_id = ?1", id),
      (list) => list.length >= 1,
    );
    expect(attempt!.outcome).toBe("retrying");
    const wait = Date.parse(attempt!.next_retry_at) - Date.now();
    expect(wait).toBeGreaterThan(23 * 3600_000);
    expect(wait).toBeLessThanOrEqual(24 * 3600_000);
  });

  it("cancels the pending retry of a subscription deleted meanwhile: logged, never sent", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    await fetch(`${FAKE}/__receiver/${receiver}`, { method: "PUT", body: JSON.stringify({ statuses: [500] }) });
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: {} });
    await (E.WEBHOOK_QUEUE as Queue<unknown>).send({ kind: "deliver", org_id: orgId, subscription_id: id, event_id: "msg_cancel", event_type: "webhook.test", payload, attempt: 1 });
    await until(() => received(receiver), (list) => list.length >= 1);
    expect((await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}`, { method: "DELETE" })).status).toBe(204);
    // The retry is due 5 s (± 10 %) after the first attempt: observe its outcome in the log, not a fixed wait.
    const log = await until(() => rows<{ attempt: number; outcome: string }>("SELECT attempt, outcome FROM webhook_deliveries WHERE subscription_id = ?1 ORDER BY attempt", id), (list) => list.length >= 2, 20_000);
    expect(log).toEqual([{ attempt: 1, outcome: "retrying" }, { attempt: 2, outcome: "cancelled" }]);
    expect(await received(receiver)).toHaveLength(1);
  });
});

describe("replay", () => {
  it("re-delivers a subscription's events with their original ids, only the failed ones when asked, once a minute", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    const pump = heatPump({}, `replay-${userId}`);
    await setItems(userId, [pump]);
    const since = new Date(Date.now() - 60_000).toISOString();
    await check(orgId, userId);
    await setItems(userId, [{ ...pump, connection_status: "error" }]);
    // A real wait here, not the fake clock: the replay (the API worker, another isolate on the real clock) picks
    // events by when the webhook worker stored them, so both must read the same time.
    await pause(1100);
    await check(orgId, userId);
    const [original] = await until(() => received(receiver), (list) => list.length >= 1);

    const replay = (body: unknown) => partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}/replay`, { method: "POST", json: body });
    const answer = await replay({ since, only_failed: true });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({ replayed: 0 }); // it was delivered
    const limited = await replay({ since });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");

    await E.DB.prepare("UPDATE webhook_subscriptions SET last_replay_at = last_replay_at - 120 WHERE id = ?1").bind(id).run();
    const again = await replay({ since });
    expect(await again.json()).toEqual({ replayed: 1 });
    const both = await until(() => received(receiver), (list) => list.length >= 2);
    expect(both[1]!.headers["webhook-id"]).toBe(original!.headers["webhook-id"]);
    expect(both[1]!.body).toBe(original!.body);
    const attempts = await until(() => rows<{ outcome: string }>("SELECT outcome FROM webhook_deliveries WHERE subscription_id = ?1", id), (list) => list.length >= 2);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(["delivered", "delivered"]);
  });
});

describe("retention", () => {
  it("the cron forgets events and delivery attempts older than WEBHOOK_RETENTION_DAYS, and keeps the rest", async () => {
    const subscription = `wh_${crypto.randomUUID()}`;
    const old = new Date(Date.now() - 31 * 86400_000).toISOString();
    const recent = new Date(Date.now() - 29 * 86400_000).toISOString();
    for (const [eventId, at] of [["msg_old", old], ["msg_recent", recent]]) {
      await E.DB.prepare("INSERT INTO webhook_events (subscription_id, event_id, org_id, event_type, payload, created_at) VALUES (?1, ?2, 'o', 'webhook.test', '{}', ?3)").bind(subscription, eventId, at).run();
      await E.DB.prepare("INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, attempt, outcome, created_at) VALUES (?1, ?2, ?3, 'webhook.test', 1, 'delivered', ?4)").bind(crypto.randomUUID(), subscription, eventId, at).run();
    }
    await scheduledRun();
    expect((await rows<{ event_id: string }>("SELECT event_id FROM webhook_events WHERE subscription_id = ?1", subscription)).map((row) => row.event_id)).toEqual(["msg_recent"]);
    expect((await rows<{ event_id: string }>("SELECT event_id FROM webhook_deliveries WHERE subscription_id = ?1", subscription)).map((row) => row.event_id)).toEqual(["msg_recent"]);
  });
});

describe("polling and the upstream circuit", () => {
  it("pauses while the circuit is open: due watches are not checked", async () => {
    const name = `test-${crypto.randomUUID()}`;
    const settings = { windowSeconds: 30, minCalls: 4, failureRatio: 0.5, cooldownSeconds: 60, probes: 2, probeTimeoutSeconds: 9 };
    const circuit = (E.UPSTREAM_CIRCUIT as DurableObjectNamespace).get((E.UPSTREAM_CIRCUIT as DurableObjectNamespace).idFromName(name)) as unknown as {
      report(outcomes: { ok: boolean; auth?: boolean }[], s: typeof settings): Promise<{ state: string }>;
    };
    expect((await circuit.report([{ ok: false, auth: true }], settings)).state).toBe("open");
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    await watch(orgId, userId);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), { ...E, UPSTREAM_CIRCUIT_NAME: name }, ctx);
    await waitOnExecutionContext(ctx);
    expect(await E.DB.prepare("SELECT last_checked_at FROM watches WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first("last_checked_at")).toBe(0); // never checked
  });
});
