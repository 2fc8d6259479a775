import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { sealSecret } from "../../src/webhooks/secret-box.ts";
import { newWebhookSecret } from "../../src/webhooks/signature.ts";
import { shardOf } from "../../src/webhooks/store/watches.ts";
import worker, { type WebhooksEnv } from "../../src/webhooks/worker/index.ts";
import { ISSUERS } from "../support/bindings.ts";

// One scheduled run over many watched users: what it produces (checks, upstream calls, events, deliveries).
const E = env as unknown as WebhooksEnv & { UPSTREAM_BASE_URL: string };
const FAKE = E.UPSTREAM_BASE_URL;
const USERS = 1000;
const FLIPPED = 100;

async function scheduledRun() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), E, ctx);
  await waitOnExecutionContext(ctx);
}

async function until(read: () => Promise<number>, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value >= target || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

it(`polls ${USERS} watched users in one run and delivers one event per changed heat pump`, { timeout: 180_000 }, async () => {
  const orgId = crypto.randomUUID();
  const receiver = crypto.randomUUID();
  const users = Array.from({ length: USERS }, () => crypto.randomUUID());
  const now = new Date().toISOString();
  await E.DB.prepare("INSERT INTO webhook_subscriptions (id, org_id, url, events, user_ids, enabled, status, secret, created_at, updated_at, issuer) VALUES (?1, ?2, ?3, '[]', NULL, 1, 'active', ?4, ?5, ?5, ?6)")
    .bind(`wh_${crypto.randomUUID()}`, orgId, `${FAKE}/__receiver/${receiver}`, await sealSecret(E.WEBHOOK_SECRETS_KEY, newWebhookSecret()), now, ISSUERS.a)
    .run();
  for (let start = 0; start < USERS; start += 100) {
    // Straight into D1 (a thousand API calls would test the API, not the run), as putWatch stores them.
    await E.DB.batch(users.slice(start, start + 100).map((user) => E.DB.prepare("INSERT INTO watches (org_id, user_id, created_at, issuer, last_checked_at, shard) VALUES (?1, ?2, ?3, ?4, 0, ?5)").bind(orgId, user, now, ISSUERS.a, shardOf(user))));
  }
  await Promise.all(users.map((user) => fetch(`${FAKE}/__fake/users/${user}`, { method: "PUT", body: JSON.stringify({ items: [heatPump({}, `scale-${user}`)] }) })));
  const snapshots = () => E.DB.prepare("SELECT COUNT(*) AS n FROM snapshots WHERE org_id = ?1").bind(orgId).first<{ n: number }>().then((row) => row!.n);

  let started = Date.now();
  await scheduledRun();
  expect(await until(snapshots, USERS, 150_000)).toBe(USERS); // the baseline run: every user checked, no events
  const baselineMs = Date.now() - started;

  await Promise.all(users.slice(0, FLIPPED).map((user) => fetch(`${FAKE}/__fake/users/${user}`, { method: "PUT", body: JSON.stringify({ items: [heatPump({ connection_status: "error" }, `scale-${user}`)] }) })));
  await E.DB.prepare("UPDATE watches SET last_checked_at = last_checked_at - 300 WHERE org_id = ?1").bind(orgId).run();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  started = Date.now();
  await scheduledRun();
  const delivered = await until(async () => ((await (await fetch(`${FAKE}/__receiver/${receiver}`)).json()) as { received: unknown[] }).received.length, FLIPPED, 150_000);
  const changeToDeliveryMs = Date.now() - started;
  const calls = await Promise.all(users.map(async (user) => ((await (await fetch(`${FAKE}/__fake/users/${user}`)).json()) as { calls: number }).calls));
  const log = await E.DB.prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE outcome = 'delivered' AND event_type = 'heat_pump.status_changed' AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE org_id = ?1)").bind(orgId).first<{ n: number }>();

  expect(delivered).toBe(FLIPPED);
  expect(log!.n).toBe(FLIPPED);
  expect(calls.reduce((sum, n) => sum + n, 0)).toBe(2 * USERS); // one upstream request per user per run
  console.log(`webhook scale: ${JSON.stringify({ watched_users: USERS, changed: FLIPPED, baseline_run_ms: baselineMs, change_run_to_all_delivered_ms: changeToDeliveryMs, upstream_calls_per_run: USERS, check_messages_per_run: USERS, events: FLIPPED, deliveries: delivered })}`);
});
