import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { configFor } from "../../src/config/config.ts";
import type { DeliverMessage } from "../../src/webhooks/messages.ts";
import { deliver } from "../../src/webhooks/worker/deliver.ts";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import worker, { type WebhooksEnv } from "../../src/webhooks/worker/index.ts";
import { ISSUERS, LIMITED_ORG_ID } from "../support/bindings.ts";
import { advanceClock, check, deadLetters, E, FAKE, partnerApi, pastRefreshThrottle, received, scheduledRun, setItems, settled, storedSubscription, subscribe, testEventDelivery, until, watch } from "./helpers.ts";

// The webhook worker end to end inside workerd: the Cron Trigger picks due watches, the Queue fans checks out,
// the change is detected against the snapshot, and the delivery reaches a real local receiver, whose
// requests are verified with the Standard Webhooks reference implementation.
describe("webhook worker", () => {
  it("delivers exactly one signed heat_pump.status_changed when the upstream flips a status", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const pump = heatPump({}, `flip-${userId}`);
    const { id, secret } = await subscribe(orgId, receiver);
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
    pastRefreshThrottle();
    await E.DB.prepare("UPDATE watches SET last_checked_at = last_checked_at - 300 WHERE org_id = ?1").bind(orgId).run();
    const scheduledAt = Date.now();
    await scheduledRun();

    const deliveries = await until(() => received(receiver), (list) => list.length >= 1);
    console.log(`webhook latency: scheduled run to delivery ${Date.now() - scheduledAt} ms`);
    expect(await settled(orgId, id, receiver)).toHaveLength(1);
    const [delivery] = deliveries;
    const payload = new Webhook(secret).verify(delivery!.body, delivery!.headers) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: "heat_pump.status_changed", data: { heat_pump_id: pump.id, previous: "ok", current: "error" } });
    expect(delivery!.body).not.toMatch(/Mustermann|erika/i);
  });

  it("delivers a webhook.test event sent through the API, under the event id the API answered", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id, secret } = await subscribe(orgId, receiver);
    const sent = await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}/test`, { method: "POST" });
    expect(sent.status).toBe(202);
    const { event_id } = (await sent.json()) as { event_id: string };
    const [delivery] = await until(() => received(receiver), (list) => list.length >= 1);
    expect(delivery!.headers["webhook-id"]).toBe(event_id);
    expect(new Webhook(secret).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: "webhook.test", data: { webhook_id: id } });
  });

  it("after a secret rotation, signs with both secrets during the grace period and with the new one only after it", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id, secret: old } = await subscribe(orgId, receiver);
    const rotate = async (json?: unknown) => (await (await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}/rotate-secret`, { method: "POST", json })).json()) as { secret: string; previous_secret_valid_until: string };
    const signatures = () => testEventDelivery(orgId, id, receiver);

    const rotated = await rotate({ previous_secret_expires_in: 2 });
    expect(rotated.secret).not.toBe(old);
    const during = await signatures();
    expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const secret of [old, rotated.secret]) expect(new Webhook(secret).verify(during.body, during.headers)).toMatchObject({ type: "webhook.test" });

    // Past the moment the API said the old secret stops signing:
    const endsAt = Date.parse(rotated.previous_secret_valid_until);
    advanceClock(Math.max(0, endsAt - Date.now()) + 1000);
    const after = await signatures();
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(new Webhook(rotated.secret).verify(after.body, after.headers)).toMatchObject({ type: "webhook.test" });
    expect(() => new Webhook(old).verify(after.body, after.headers)).toThrow();

    // The default grace is a day; 0 ends it at once (a leaked secret).
    const daily = await rotate();
    expect(Date.parse(daily.previous_secret_valid_until) - Date.now()).toBeGreaterThan(86400_000 - 60_000);
    const leaked = await rotate({ previous_secret_expires_in: 0 });
    const now = await signatures();
    expect(now.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(new Webhook(leaked.secret).verify(now.body, now.headers)).toMatchObject({ type: "webhook.test" });
  });

  it("after the last attempt, dead-letters the event (once, not retried), marks the subscription failing, and disables it after 5", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    const read = async () => (await (await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}`)).json()) as { status: string; enabled: boolean };
    await fetch(`${FAKE}/__receiver/${receiver}`, { method: "PUT", body: JSON.stringify({ statuses: [500, 500, 500, 500, 500] }) });
    for (let n = 1; n <= 5; n++) {
      // The tenth attempt of an event, as the retry schedule queues it after nine failures.
      const eventId = `msg_last_${n}_${id}`;
      const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhook_id: id } });
      await (E.WEBHOOK_QUEUE as Queue<unknown>).send({ kind: "deliver", org_id: orgId, subscription_id: id, event_id: eventId, event_type: "webhook.test", payload, attempt: 10 });
      const dead = await until(deadLetters, (list) => list.some((message) => message.event_id === eventId));
      expect(dead.filter((message) => message.event_id === eventId)).toMatchObject([{ subscription_id: id, attempt: 10 }]);
      expect(await read()).toMatchObject(n < 5 ? { status: "failing", enabled: true } : { status: "disabled", enabled: false });
    }
    const log = (await (await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}/deliveries?limit=100`)).json()) as { data: { event_id: string; attempt: number; outcome: string }[] };
    expect(log.data).toHaveLength(5); // one attempt per event: none was retried after its last
    expect(log.data.every((row) => row.attempt === 10 && row.outcome === "dead-lettered")).toBe(true);
    expect(await received(receiver)).toHaveLength(5);
  });

  it("honours a receiver's Retry-After given as an HTTP date", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    const later = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3 * 3600_000);
    await fetch(`${FAKE}/__receiver/${receiver}`, { method: "PUT", body: JSON.stringify({ statuses: [{ status: 503, headers: { "retry-after": later.toUTCString() } }] }) });
    await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}/test`, { method: "POST" });
    const deliveries = async () => ((await (await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${id}/deliveries`)).json()) as { data: { response_status: number; outcome: string; next_retry_at: string }[] }).data;
    const [attempt] = await until(deliveries, (list) => list.length >= 1);
    expect(attempt).toMatchObject({ response_status: 503, outcome: "retrying" });
    expect(Math.abs(Date.parse(attempt!.next_retry_at) - later.getTime())).toBeLessThan(60_000); // the date, not the schedule's 5 s
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
    pastRefreshThrottle();
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
    pastRefreshThrottle();
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
    const { id } = await subscribe(orgId, receiver);
    await setItems(userId, [heatPump({}, `steady-${userId}`)]);
    await check(orgId, userId);
    const before = await E.DB.prepare("SELECT heat_pumps, taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first();
    expect(before).not.toBeNull();
    await fetch(`${FAKE}/__fake/users/${userId}`, { method: "PUT", body: JSON.stringify({ items: [], queue: [{ status: 503 }, { status: 503 }] }) });
    pastRefreshThrottle();
    await check(orgId, userId);
    expect(await E.DB.prepare("SELECT heat_pumps, taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first()).toEqual(before);
    expect(await settled(orgId, id, receiver)).toEqual([]);
  });

  it("sends each subscription only the events and users it asked for", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const [everything, onlyCreated, onlyOtherUser] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await subscribe(orgId, everything);
    const created = await subscribe(orgId, onlyCreated, { events: ["heat_pump.created"] });
    const otherUser = await subscribe(orgId, onlyOtherUser, { user_ids: [crypto.randomUUID()] });
    const pump = heatPump({}, `filter-${userId}`);
    await setItems(userId, [pump]);
    await check(orgId, userId);
    await setItems(userId, [{ ...pump, monitoring_status: "warning" }]);
    pastRefreshThrottle();
    await check(orgId, userId);
    expect(await until(() => received(everything), (list) => list.length >= 1)).toHaveLength(1); // the change was delivered …
    expect(await settled(orgId, created.id, onlyCreated)).toEqual([]); // … but not to these
    expect(await settled(orgId, otherUser.id, onlyOtherUser)).toEqual([]);
  });
});

describe("waits longer than Queues allow", () => {
  it("a retry due in 20 h hops through the queue: 12 h (Queues' longest delay), then the rest, and only then is sent", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id } = await subscribe(orgId, receiver);
    const sent: { message: DeliverMessage; delaySeconds?: number }[] = [];
    const queue = { send: async (message: DeliverMessage, options?: QueueSendOptions) => void sent.push({ message, delaySeconds: options?.delaySeconds }) } as unknown as Queue<DeliverMessage>;
    const deps = { issuers: configFor(E).issuers, db: E.DB, queue, deadLetters: queue, secretsKey: E.WEBHOOK_SECRETS_KEY };
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: {} });
    const message: DeliverMessage = { kind: "deliver", org_id: orgId, subscription_id: id, event_id: "msg_hop", event_type: "webhook.test", payload, attempt: 8, not_before: now + 20 * 3600 };

    expect(await deliver(message, deps)).toBe("waiting");
    expect(sent).toEqual([{ message: { ...message, not_before: now + 20 * 3600 }, delaySeconds: 12 * 3600 }]);
    // Twelve hours later the hop arrives and waits the remaining eight.
    vi.useFakeTimers({ toFake: ["Date"], now: (now + 12 * 3600) * 1000 });
    try {
      expect(await deliver(sent[0]!.message, deps)).toBe("waiting");
      expect(sent[1]).toEqual({ message: { ...message, not_before: now + 20 * 3600 }, delaySeconds: 8 * 3600 });
      expect(await received(receiver)).toEqual([]); // nothing sent before its time
    } finally {
      vi.useRealTimers();
    }
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
    pastRefreshThrottle();
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
    await storedSubscription(orgId, narrowed, ISSUERS.limited);
    await subscribe(LIMITED_ORG_ID, narrowed, { issuer: ISSUERS.limited, user_ids: [userId] }); // a legitimate one elsewhere
    const pump = heatPump({}, `narrowed-${userId}`);
    await setItems(userId, [pump]);
    await check(orgId, userId);
    await setItems(userId, [{ ...pump, monitoring_status: "error" }]);
    pastRefreshThrottle();
    await check(orgId, userId);
    expect(await until(() => received(allowed), (list) => list.length >= 1)).toHaveLength(1);
    expect(await received(narrowed)).toEqual([]);
  });
});
