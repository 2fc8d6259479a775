import { issuerMayActFor } from "../auth/issuer-access.ts";
import type { IssuerConfig } from "../config/config.ts";
import { afterAttempt } from "./retry-schedule.ts";
import type { DeliverMessage } from "./messages.ts";
import { openSecret } from "./secret-box.ts";
import { signWebhook } from "./signature.ts";
import type { SubscriptionRow } from "./store.ts";

const DELIVERY_TIMEOUT_MS = 15_000;
/** Cloudflare Queues' longest delay. */
export const MAX_QUEUE_DELAY_S = 12 * 3600;
/** Dead-lettered events in a row after which a subscription is switched off. */
const DISABLE_AFTER_FAILED_EVENTS = 5;

export interface DeliveryDeps {
  /** PARTNER_ISSUERS in force now: a subscription is served only while the issuer that registered it may act for its org. */
  issuers: readonly IssuerConfig[];
  db: D1Database;
  queue: Queue<DeliverMessage>;
  deadLetters: Queue<DeliverMessage>;
  secretsKey: string | undefined;
}

async function signingSecrets(row: SubscriptionRow, secretsKey: string | undefined, nowS: number): Promise<string[]> {
  const secrets = [await openSecret(secretsKey, row.secret)];
  if (row.previous_secret && (row.previous_secret_until ?? 0) > nowS) secrets.push(await openSecret(secretsKey, row.previous_secret));
  return secrets;
}

/** One attempt: sign, POST with a 15 s timeout, log it, and decide what comes next. Never throws for a receiver's fault. */
export async function deliver(message: DeliverMessage, deps: DeliveryDeps): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  if (message.not_before && message.not_before > nowS) {
    await deps.queue.send(message, { delaySeconds: Math.min(MAX_QUEUE_DELAY_S, message.not_before - nowS) });
    return "waiting";
  }
  const row = await deps.db.prepare("SELECT * FROM webhook_subscriptions WHERE org_id = ?1 AND id = ?2").bind(message.org_id, message.subscription_id).first<SubscriptionRow>();
  if (!row || row.enabled !== 1 || row.status === "disabled") return "dropped: subscription gone or disabled";
  if (!issuerMayActFor(deps.issuers, row.issuer, row.org_id)) return "dropped: the subscription's issuer may no longer act for this organisation";

  const headers = await signWebhook(await signingSecrets(row, deps.secretsKey, nowS), message.event_id, nowS, message.payload);
  const started = Date.now();
  let status: number | undefined;
  let retryAfter: number | undefined;
  try {
    const response = await fetch(row.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "heat-pump-edge-webhooks/0.1" },
      body: message.payload,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    status = response.status;
    const header = response.headers.get("retry-after");
    retryAfter = header && /^\d+$/.test(header) ? Number(header) : undefined;
    await response.body?.cancel();
  } catch {
    status = undefined; // timeout or network: retried like a 5xx
  }
  const verdict = afterAttempt(message.attempt, status, retryAfter);
  const nextRetryAt = verdict.outcome === "retry" ? new Date(Date.now() + verdict.delaySeconds * 1000).toISOString() : null;
  const outcome = { delivered: "delivered", retry: "retrying", disable: "disabled", "dead-letter": "dead-lettered" }[verdict.outcome];
  await deps.db
    .prepare(
      "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, attempt, response_status, duration_ms, next_retry_at, outcome, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(crypto.randomUUID(), row.id, message.event_id, message.event_type, message.attempt, status ?? null, Date.now() - started, nextRetryAt, outcome, new Date().toISOString())
    .run();

  switch (verdict.outcome) {
    case "delivered":
      await deps.db.prepare("UPDATE webhook_subscriptions SET consecutive_failures = 0, status = 'active' WHERE id = ?1 AND status = 'failing'").bind(row.id).run();
      break;
    case "retry": {
      const next = { ...message, attempt: message.attempt + 1, not_before: nowS + verdict.delaySeconds };
      await deps.queue.send(next, { delaySeconds: Math.min(MAX_QUEUE_DELAY_S, verdict.delaySeconds) });
      break;
    }
    case "disable":
      await deps.db.prepare("UPDATE webhook_subscriptions SET enabled = 0, status = 'disabled', updated_at = ?2 WHERE id = ?1").bind(row.id, new Date().toISOString()).run();
      break;
    case "dead-letter":
      await deps.deadLetters.send(message);
      await deps.db
        .prepare("UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1, status = CASE WHEN consecutive_failures + 1 >= ?2 THEN 'disabled' ELSE 'failing' END, enabled = CASE WHEN consecutive_failures + 1 >= ?2 THEN 0 ELSE enabled END WHERE id = ?1")
        .bind(row.id, DISABLE_AFTER_FAILED_EVENTS)
        .run();
      break;
  }
  return outcome!;
}
