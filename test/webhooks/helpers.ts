import { createExecutionContext, createMessageBatch, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, vi } from "vitest";
import { sealSecret } from "../../src/webhooks/secret-box.ts";
import { newWebhookSecret } from "../../src/webhooks/signature.ts";
import worker, { type WebhooksEnv } from "../../src/webhooks/worker/index.ts";
import { ISSUERS } from "../support/bindings.ts";
import { token } from "../worker/helpers.ts";

// Helpers of the webhook worker's tests: subscriptions and watches through the partner API (the API worker runs
// beside this one, sharing D1 and KV), a check or a cron run as the platform would start them, and the fake
// receiver's record of what arrived.
export const E = env as unknown as WebhooksEnv & { UPSTREAM_BASE_URL: string; API: Fetcher };
export const FAKE = E.UPSTREAM_BASE_URL;

export interface Received {
  headers: Record<string, string>;
  body: string;
}

const MANAGE = "heat_pumps:read webhooks:manage";

/** The partner API (the API worker beside this one), called with a partner token of `issuer` for `orgId`. */
export async function partnerApi(orgId: string, path: string, init: RequestInit & { issuer?: string; json?: unknown } = {}): Promise<Response> {
  const jwt = await token({ orgId, userId: "" }, { issuer: init.issuer, claims: { scope: MANAGE } });
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${jwt}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  return E.API.fetch(new Request(`https://edge.example${path}`, { ...init, headers, body }));
}

async function expectOk(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
  return response;
}

/** A subscription made through the API (`POST /v1/orgs/{org}/webhooks`) for the fake receiver `receiver`. */
export async function subscribe(orgId: string, receiver: string, options: { events?: string[]; user_ids?: string[]; issuer?: string } = {}) {
  const body = { url: `${FAKE}/__receiver/${receiver}`, events: options.events, user_ids: options.user_ids };
  const response = await expectOk(await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks`, { method: "POST", json: body, issuer: options.issuer }), "subscribe");
  return (await response.json()) as { id: string; secret: string };
}

/**
 * A subscription as stored by an earlier configuration: for an issuer that may not (or no longer) act for `orgId`,
 * which the API would refuse today.
 */
export async function storedSubscription(orgId: string, receiver: string, issuer: string) {
  const secret = newWebhookSecret();
  const id = `wh_${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  await E.DB.prepare(
    "INSERT INTO webhook_subscriptions (id, org_id, url, events, user_ids, enabled, status, secret, created_at, updated_at, issuer) VALUES (?1, ?2, ?3, '[]', NULL, 1, 'active', ?4, ?5, ?5, ?6)",
  )
    .bind(id, orgId, `${FAKE}/__receiver/${receiver}`, await sealSecret(E.WEBHOOK_SECRETS_KEY, secret), now, issuer)
    .run();
  return { id, secret };
}

/** `PUT /v1/orgs/{org}/users/{user}/watch` through the API. */
export async function watch(orgId: string, userId: string, issuer: string = ISSUERS.a) {
  await expectOk(await partnerApi(orgId, `/v1/orgs/${orgId}/users/${userId}/watch`, { method: "PUT", issuer }), "watch");
}

/** One cron run, under the settings `env` (default: the test's). */
export async function scheduledRun(env: WebhooksEnv = E) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** One check, as the cron would queue it for a watch registered by `issuer`, under the settings `env` (default: the test's). */
export async function check(orgId: string, userId: string, options: { issuer?: string; env?: WebhooksEnv } = {}) {
  const ctx = createExecutionContext();
  const body = { kind: "check" as const, org_id: orgId, user_id: userId, issuer: options.issuer ?? ISSUERS.a };
  const batch = createMessageBatch("heat-pump-edge-webhooks", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body }]);
  await worker.queue(batch as never, options.env ?? E, ctx);
  await waitOnExecutionContext(ctx);
}

export async function received(receiver: string): Promise<Received[]> {
  return ((await (await fetch(`${FAKE}/__receiver/${receiver}`)).json()) as { received: Received[] }).received;
}

export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sends a `webhook.test` event through the API (`POST …/webhooks/{id}/test`) and waits for its delivery. */
export async function testEventDelivery(orgId: string, subscriptionId: string, receiver: string): Promise<Received> {
  const response = await expectOk(await partnerApi(orgId, `/v1/orgs/${orgId}/webhooks/${subscriptionId}/test`, { method: "POST" }), "test event");
  const { event_id } = (await response.json()) as { event_id: string };
  const list = await until(() => received(receiver), (deliveries) => deliveries.some((delivery) => delivery.headers["webhook-id"] === event_id), 20_000);
  const marker = list.find((delivery) => delivery.headers["webhook-id"] === event_id);
  if (!marker) throw new Error("the test event never arrived");
  return marker;
}

/**
 * What reached `receiver` for subscription `subscriptionId`, once everything queued before now has been delivered:
 * a `webhook.test` event sent behind it as a marker, and awaited. Absence checks wait on this, not on a fixed sleep.
 */
export async function settled(orgId: string, subscriptionId: string, receiver: string): Promise<Received[]> {
  const marker = await testEventDelivery(orgId, subscriptionId, receiver);
  return (await received(receiver)).filter((delivery) => delivery.headers["webhook-id"] !== marker.headers["webhook-id"]);
}

/** The dead-letter queue's messages, as the operator's consumer (beside the workers in these tests) recorded them. */
export async function deadLetters(): Promise<{ subscription_id: string; event_id: string; attempt: number }[]> {
  return (await received("dead-letters")).flatMap((delivery) => JSON.parse(delivery.body) as { subscription_id: string; event_id: string; attempt: number }[]);
}

export const setItems = (userId: string, items: unknown[]) => fetch(`${FAKE}/__fake/users/${userId}`, { method: "PUT", body: JSON.stringify({ items }) });
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves the clock the webhook worker reads (it runs in this isolate: checks, the cron, deliveries) `ms` ahead, and
 * lets it run on from there: instead of sleeping past a throttle or a grace period. Real again after each test.
 */
export function advanceClock(ms: number) {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  vi.advanceTimersByTime(ms);
}

/** Past the per-user refresh throttle of these tests (CACHE_REFRESH_MIN_INTERVAL_SECONDS=1), so a check asks Podero again. */
export const pastRefreshThrottle = () => advanceClock(1100);

afterEach(() => {
  vi.useRealTimers();
});

