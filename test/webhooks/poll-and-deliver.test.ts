import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { sealSecret } from "../../src/webhooks/secret-box.ts";
import { newWebhookSecret } from "../../src/webhooks/signature.ts";
import worker, { type WebhooksEnv } from "../../src/webhooks/worker/index.ts";
import { ISSUERS, LIMITED_ORG_ID } from "../support/bindings.ts";
import { check, E, FAKE, pause, received, scheduledRun, setItems, subscribe, until, watch } from "./helpers.ts";

// The webhook worker end to end inside workerd: the Cron Trigger picks due watches, the Queue fans checks out,
// the change is detected against the snapshot, and the delivery reaches a real local receiver, whose
// requests are verified with the Standard Webhooks reference implementation.
describe("webhook worker", () => {
  it("delivers exactly one signed heat_pump.status_changed when the upstream flips a status", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const pump = heatPump({}, `flip-${userId}`);
    const { secret } = await subscribe(orgId, receiver);
    await watch(orgId, userId);
    await setItems(userId, [pump]);

    await scheduledRun(); // picks the watch, queues its check; the check makes the baseline
    const baseline = await until(
      () => E.DB.prepare("SELECT taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first(),
      (row) => row !== null,
    );
    expect(baseline).not.toBeNull();
    expect(await received(receiver)).toEqual([]);

    await setItems(userId, [{ ...pump, connection_status: "error", is_authenticated: false }]);
    await pause(1100); // past the per-key refresh throttle of the test config
    await E.DB.prepare("UPDATE watches SET last_checked_at = last_checked_at - 300 WHERE org_id = ?1").bind(orgId).run();
    const scheduledAt = Date.now();
    await scheduledRun();

    const deliveries = await until(() => received(receiver), (list) => list.length >= 1);
    console.log(`webhook latency: scheduled run to delivery ${Date.now() - scheduledAt} ms`);
    await pause(500);
    expect(await received(receiver)).toHaveLength(1);
    const [delivery] = deliveries;
    const payload = new Webhook(secret).verify(delivery!.body, delivery!.headers) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: "heat_pump.status_changed", data: { heat_pump_id: pump.id, previous: "ok", current: "error" } });
    expect(delivery!.body).not.toMatch(/Mustermann|erika/i);
  });

  it("delivers a webhook.test event queued by the API", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id, secret } = await subscribe(orgId, receiver);
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhook_id: id } });
    await (E.WEBHOOK_QUEUE as Queue<unknown>).send({ kind: "deliver", org_id: orgId, subscription_id: id, event_id: "msg_test", event_type: "webhook.test", payload, attempt: 1 });
    const [delivery] = await until(() => received(receiver), (list) => list.length >= 1);
    expect(delivery!.headers["webhook-id"]).toBe("msg_test");
    expect(new Webhook(secret).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: "webhook.test", data: { webhook_id: id } });
  });

  it("signs with both secrets during a rotation's grace period", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id, secret: old } = await subscribe(orgId, receiver);
    const fresh = newWebhookSecret();
    const row = await E.DB.prepare("SELECT secret FROM webhook_subscriptions WHERE id = ?1").bind(id).first<{ secret: string }>();
    await E.DB.prepare("UPDATE webhook_subscriptions SET secret = ?2, previous_secret = ?3, previous_secret_until = ?4 WHERE id = ?1")
      .bind(id, await sealSecret(E.WEBHOOK_SECRETS_KEY, fresh), row!.secret, Math.floor(Date.now() / 1000) + 3600)
      .run();
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhook_id: id } });
    await (E.WEBHOOK_QUEUE as Queue<unknown>).send({ kind: "deliver", org_id: orgId, subscription_id: id, event_id: "msg_rotation", event_type: "webhook.test", payload, attempt: 1 });
    const [delivery] = await until(() => received(receiver), (list) => list.length >= 1);
    expect(delivery!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const secret of [old, fresh]) expect(new Webhook(secret).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: "webhook.test" });
  });

  it("after the last attempt, dead-letters the event and marks the subscription failing", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    await fetch(`${FAKE}/__receiver/${receiver}`, { method: "PUT", body: JSON.stringify({ statuses: [500] }) });
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: {} });
    await (E.WEBHOOK_QUEUE as Queue<unknown>).send({ kind: "deliver", org_id: orgId, subscription_id: id, event_id: "msg_last", event_type: "webhook.test", payload, attempt: 10 });
    const logged = await until(
      () => E.DB.prepare("SELECT attempt, response_status, outcome FROM webhook_deliveries WHERE subscription_id = ?1").bind(id).first(),
      (value) => value !== null,
    );
    expect(logged).toEqual({ attempt: 10, response_status: 500, outcome: "dead-lettered" });
    expect(await E.DB.prepare("SELECT status, consecutive_failures, enabled FROM webhook_subscriptions WHERE id = ?1").bind(id).first()).toEqual({ status: "failing", consecutive_failures: 1, enabled: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await received(receiver)).toHaveLength(1); // not retried again
  });

  it("retries a receiver that answers 500 with the same webhook-id, and logs every attempt", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id, secret } = await subscribe(orgId, receiver);
    await fetch(`${FAKE}/__receiver/${receiver}`, { method: "PUT", body: JSON.stringify({ statuses: [500] }) });
    await setItems(userId, [heatPump({}, `a-${userId}`)]);
    await check(orgId, userId); // baseline
    await setItems(userId, [heatPump({}, `a-${userId}`), heatPump({}, `b-${userId}`)]);
    await pause(1100);
    await check(orgId, userId); // one heat_pump.created

    const attempts = await until(() => received(receiver), (list) => list.length >= 2);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.headers["webhook-id"]).toBe(attempts[0]!.headers["webhook-id"]);
    expect(new Webhook(secret).verify(attempts[1]!.body, attempts[1]!.headers)).toMatchObject({ type: "heat_pump.created" });
    const { results } = await E.DB.prepare("SELECT attempt, response_status, outcome, next_retry_at FROM webhook_deliveries WHERE subscription_id = ?1 ORDER BY attempt").bind(id).all<Record<string, unknown>>();
    expect(results).toMatchObject([
      { attempt: 1, response_status: 500, outcome: "retrying" },
      { attempt: 2, response_status: 204, outcome: "delivered", next_retry_at: null },
    ]);
  });

  it("disables a subscription whose receiver answers 410 Gone", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    await fetch(`${FAKE}/__receiver/${receiver}`, { method: "PUT", body: JSON.stringify({ statuses: [410] }) });
    await setItems(userId, []);
    await check(orgId, userId);
    await setItems(userId, [heatPump({}, `gone-${userId}`)]);
    await pause(1100);
    await check(orgId, userId);
    const row = await until(
      () => E.DB.prepare("SELECT enabled, status FROM webhook_subscriptions WHERE id = ?1").bind(id).first<{ enabled: number; status: string }>(),
      (value) => value?.status === "disabled",
    );
    expect(row).toEqual({ enabled: 0, status: "disabled" });
  });

  it("makes no events and keeps the snapshot when the upstream fails", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    await subscribe(orgId, receiver);
    await setItems(userId, [heatPump({}, `steady-${userId}`)]);
    await check(orgId, userId);
    const before = await E.DB.prepare("SELECT heat_pumps, taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first();
    expect(before).not.toBeNull();
    await fetch(`${FAKE}/__fake/users/${userId}`, { method: "PUT", body: JSON.stringify({ items: [], queue: [{ status: 503 }, { status: 503 }] }) });
    await pause(1100);
    await check(orgId, userId);
    expect(await E.DB.prepare("SELECT heat_pumps, taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first()).toEqual(before);
    await pause(300);
    expect(await received(receiver)).toEqual([]);
  });

  it("sends each subscription only the events and users it asked for", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const [everything, onlyCreated, onlyOtherUser] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await subscribe(orgId, everything);
    await subscribe(orgId, onlyCreated, { events: ["heat_pump.created"] });
    await subscribe(orgId, onlyOtherUser, { user_ids: [crypto.randomUUID()] });
    const pump = heatPump({}, `filter-${userId}`);
    await setItems(userId, [pump]);
    await check(orgId, userId);
    await setItems(userId, [{ ...pump, monitoring_status: "warning" }]);
    await pause(1100);
    await check(orgId, userId);
    expect(await until(() => received(everything), (list) => list.length >= 1)).toHaveLength(1); // the change was delivered …
    await pause(300);
    expect(await received(onlyCreated)).toEqual([]); // … but not to these
    expect(await received(onlyOtherUser)).toEqual([]);
  });
});

describe("webhook worker queue handling", () => {
  it("retries only the message that failed; the others in the batch are delivered", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const good = await subscribe(orgId, receiver);
    const broken = `wh_${crypto.randomUUID()}`;
    const now = new Date().toISOString();
    // A subscription whose stored secret cannot be opened (e.g. sealed with another key).
    await E.DB.prepare("INSERT INTO webhook_subscriptions (id, org_id, url, events, user_ids, enabled, status, secret, created_at, updated_at, issuer) VALUES (?1, ?2, ?3, '[]', NULL, 1, 'active', 'bm90LWEtc2VhbGVkLXNlY3JldA==', ?4, ?4, ?5)")
      .bind(broken, orgId, `${FAKE}/__receiver/${receiver}`, now, ISSUERS.a)
      .run();
    const payload = JSON.stringify({ type: "webhook.test", timestamp: now, data: {} });
    const messages = [broken, good.id].map((subscription_id, index) => ({
      id: `m${index}`,
      timestamp: new Date(),
      attempts: 1,
      body: { kind: "deliver" as const, org_id: orgId, subscription_id, event_id: `msg_${index}`, event_type: "webhook.test", payload, attempt: 1 },
    }));
    const ctx = createExecutionContext();
    const batch = createMessageBatch("heat-pump-edge-webhooks", messages);
    await worker.queue(batch as never, E, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((retry) => retry.msgId)).toEqual(["m0"]);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect((await received(receiver)).map((delivery) => delivery.headers["webhook-id"])).toEqual(["msg_1"]);
  });
});

describe("webhook data follows PARTNER_ISSUERS in force now", () => {
  const calls = async (userId: string) => ((await (await fetch(`${FAKE}/__fake/users/${userId}`)).json()) as { calls: number }).calls;
  /** The test's settings with one issuer removed, as an operator would after ending a partnership. */
  const withoutIssuerA = (): WebhooksEnv => {
    const issuers = (JSON.parse(E.PARTNER_ISSUERS as string) as { issuer: string }[]).filter((entry) => entry.issuer !== ISSUERS.a);
    return { ...E, PARTNER_ISSUERS: JSON.stringify(issuers) };
  };

  it("stops checking a watch and delivering to a subscription once their issuer is removed", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const pump = heatPump({}, `removed-${userId}`);
    await subscribe(orgId, receiver);
    await setItems(userId, [pump]);
    await check(orgId, userId); // baseline, under issuer a
    const before = await calls(userId);
    await setItems(userId, [{ ...pump, connection_status: "error" }]);
    await pause(1100);
    await check(orgId, userId, { env: withoutIssuerA() });
    expect(await calls(userId)).toBe(before); // Podero was not even asked
    await check(orgId, userId, { issuer: "https://never-configured.example" });
    expect(await calls(userId)).toBe(before);
    // An event already queued is not delivered either once the issuer is gone.
    const { id } = await subscribe(orgId, `${receiver}-queued`);
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhook_id: id } });
    const ctx = createExecutionContext();
    const deliverBody = { kind: "deliver" as const, org_id: orgId, subscription_id: id, event_id: "msg_removed", event_type: "webhook.test", payload, attempt: 1 };
    await worker.queue(createMessageBatch("heat-pump-edge-webhooks", [{ id: "d1", timestamp: new Date(), attempts: 1, body: deliverBody }]) as never, withoutIssuerA(), ctx);
    await waitOnExecutionContext(ctx);
    expect(await received(`${receiver}-queued`)).toEqual([]);
    expect(await received(receiver)).toEqual([]);
  });

  it("delivers nothing to a subscription whose issuer may not act for the organisation, but does to the others", async () => {
    const orgId = crypto.randomUUID(); // not in the limited issuer's `orgs`
    const userId = crypto.randomUUID();
    const [allowed, narrowed] = [crypto.randomUUID(), crypto.randomUUID()];
    await subscribe(orgId, allowed);
    await subscribe(orgId, narrowed, { issuer: ISSUERS.limited });
    await subscribe(LIMITED_ORG_ID, narrowed, { issuer: ISSUERS.limited, user_ids: [userId] }); // a legitimate one elsewhere
    const pump = heatPump({}, `narrowed-${userId}`);
    await setItems(userId, [pump]);
    await check(orgId, userId);
    await setItems(userId, [{ ...pump, monitoring_status: "error" }]);
    await pause(1100);
    await check(orgId, userId);
    expect(await until(() => received(allowed), (list) => list.length >= 1)).toHaveLength(1);
    expect(await received(narrowed)).toEqual([]);
  });
});
