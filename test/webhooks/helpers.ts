import { createExecutionContext, createMessageBatch, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sealSecret } from "../../src/webhooks/secret-box.ts";
import { newWebhookSecret } from "../../src/webhooks/signature.ts";
import worker, { type WebhooksEnv } from "../../src/webhooks/worker/index.ts";
import { ISSUERS } from "../support/bindings.ts";

// Helpers of the webhook worker's tests: subscriptions and watches straight into D1, a check or a cron run as the
// platform would start them, and the fake receiver's record of what arrived.
export const E = env as unknown as WebhooksEnv & { UPSTREAM_BASE_URL: string };
export const FAKE = E.UPSTREAM_BASE_URL;

export interface Received {
  headers: Record<string, string>;
  body: string;
}

export async function subscribe(orgId: string, receiver: string, options: { events?: string[]; user_ids?: string[]; issuer?: string } = {}) {
  const secret = newWebhookSecret();
  const id = `wh_${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  await E.DB.prepare(
    "INSERT INTO webhook_subscriptions (id, org_id, url, events, user_ids, enabled, status, secret, created_at, updated_at, issuer) VALUES (?1, ?2, ?3, ?4, ?5, 1, 'active', ?6, ?7, ?7, ?8)",
  )
    .bind(id, orgId, `${FAKE}/__receiver/${receiver}`, JSON.stringify(options.events ?? []), options.user_ids ? JSON.stringify(options.user_ids) : null, await sealSecret(E.WEBHOOK_SECRETS_KEY, secret), now, options.issuer ?? ISSUERS.a)
    .run();
  return { id, secret };
}

export async function watch(orgId: string, userId: string, issuer: string = ISSUERS.a) {
  await E.DB.prepare("INSERT INTO watches (org_id, user_id, created_at, last_checked_at, issuer) VALUES (?1, ?2, ?3, NULL, ?4)").bind(orgId, userId, new Date().toISOString(), issuer).run();
}

export async function scheduledRun() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), E, ctx);
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

export const setItems = (userId: string, items: unknown[]) => fetch(`${FAKE}/__fake/users/${userId}`, { method: "PUT", body: JSON.stringify({ items }) });
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

