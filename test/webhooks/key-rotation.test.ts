import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newWebhookSecretsKey } from "../../dev/keys.ts";
import worker, { type WebhooksEnv } from "../../src/webhooks/worker/index.ts";
import { E, received, scheduledRun, subscribe, until } from "./helpers.ts";

// WEBHOOK_SECRETS_KEY rotates without downtime: `NEW,OLD` on the workers, the cron seals every stored secret anew
// under NEW, then NEW alone opens them all and deliveries go on signed with the same secrets.
describe("rotating WEBHOOK_SECRETS_KEY", () => {
  it("the cron reseals secrets under the new key; after it, the new key alone signs deliveries with the partner's secret", async () => {
    const orgId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { id, secret } = await subscribe(orgId, receiver); // sealed under the old key by the API
    const fresh = newWebhookSecretsKey();
    const sealedUnder = async () => (await E.DB.prepare("SELECT secret FROM webhook_subscriptions WHERE id = ?1").bind(id).first<{ secret: string }>())!.secret;
    const before = await sealedUnder();

    await scheduledRun({ ...E, WEBHOOK_SECRETS_KEY: `${fresh},${E.WEBHOOK_SECRETS_KEY}` } as WebhooksEnv);
    expect(await sealedUnder()).not.toBe(before);

    const newKeyOnly = { ...E, WEBHOOK_SECRETS_KEY: fresh } as WebhooksEnv;
    const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhook_id: id } });
    const body = { kind: "deliver" as const, org_id: orgId, subscription_id: id, event_id: `msg_rekeyed_${id}`, event_type: "webhook.test", payload, attempt: 1 };
    const ctx = createExecutionContext();
    await worker.queue(createMessageBatch("heat-pump-edge-webhooks", [{ id: "rekeyed", timestamp: new Date(), attempts: 1, body }]) as never, newKeyOnly, ctx);
    await waitOnExecutionContext(ctx);
    const [delivery] = await until(() => received(receiver), (list) => list.length >= 1);
    expect(new Webhook(secret).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: "webhook.test" });
  });
});
