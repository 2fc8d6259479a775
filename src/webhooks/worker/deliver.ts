import { issuerMayActFor } from "../../auth/issuer-access.ts";
import type { IssuerConfig } from "../../config/config.ts";
import { afterAttempt, MAX_RETRY_DELAY_S } from "./retry-schedule.ts";
import type { DeliverMessage } from "../messages.ts";
import { openSecret } from "../secret-box.ts";
import { signWebhook } from "../signature.ts";
import { logAttempt } from "../store/events.ts";
import { disableSubscription, findSubscription, markDeadLettered, markDelivered, subscriptionWants, type SubscriptionRow } from "../store/subscriptions.ts";

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

/** Why this subscription must not receive this event any more, or null when it may. */
function cancelled(row: SubscriptionRow | null, message: DeliverMessage, issuers: readonly IssuerConfig[]): string | null {
  if (!row) return "the subscription was deleted";
  if (row.enabled !== 1 || row.status === "disabled") return "the subscription is disabled";
  if (!subscriptionWants(row, message.event_type)) return "the subscription no longer asks for this event type";
  if (!issuerMayActFor(issuers, row.issuer, row.org_id)) return "the subscription's issuer may no longer act for this organisation";
  return null;
}

/** `Retry-After` (RFC 9110 §10.2.3) as seconds from now: delay-seconds or an HTTP date; nonsense is ignored. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d{1,12}$/.test(header.trim())) return Number(header.trim());
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(header.trim())) return undefined; // IMF-fixdate only
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : undefined;
}

/**
 * One attempt: sign, POST with a 15 s timeout, log it, and decide what comes next. Never throws for a receiver's
 * fault. A delivery whose subscription was deleted, disabled or no longer wants it stops here, logged `cancelled`.
 */
export async function deliver(message: DeliverMessage, deps: DeliveryDeps): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  if (message.not_before && message.not_before > nowS) {
    // A wait longer than the queue allows hops through it; never longer than the longest retry delay.
    const wait = Math.min(message.not_before - nowS, MAX_RETRY_DELAY_S);
    await deps.queue.send({ ...message, not_before: nowS + wait }, { delaySeconds: Math.min(MAX_QUEUE_DELAY_S, wait), contentType: "json" });
    return "waiting";
  }
  const row = await findSubscription(deps.db, message.org_id, message.subscription_id);
  const reason = cancelled(row, message, deps.issuers);
  if (reason !== null) {
    await logAttempt(deps.db, { subscription_id: message.subscription_id, event_id: message.event_id, event_type: message.event_type, attempt: message.attempt, response_status: null, duration_ms: null, next_retry_at: null, outcome: "cancelled" });
    return `cancelled: ${reason}`;
  }
  const subscription = row!;

  const headers = await signWebhook(await signingSecrets(subscription, deps.secretsKey, nowS), message.event_id, nowS, message.payload);
  const started = Date.now();
  let status: number | undefined;
  let retryAfter: number | undefined;
  try {
    const response = await fetch(subscription.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "heat-pump-edge-webhooks/0.1" },
      body: message.payload,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    status = response.status;
    retryAfter = retryAfterSeconds(response.headers.get("retry-after"));
    await response.body?.cancel();
  } catch {
    status = undefined; // timeout or network: retried like a 5xx
  }
  const firstAt = message.first_at ?? nowS;
  const verdict = afterAttempt(message.attempt, status, retryAfter, Math.random, nowS - firstAt);
  const nextRetryAt = verdict.outcome === "retry" ? new Date(Date.now() + verdict.delaySeconds * 1000).toISOString() : null;
  const outcome = ({ delivered: "delivered", retry: "retrying", disable: "disabled", "dead-letter": "dead-lettered" } as const)[verdict.outcome];
  await logAttempt(deps.db, { subscription_id: subscription.id, event_id: message.event_id, event_type: message.event_type, attempt: message.attempt, response_status: status ?? null, duration_ms: Date.now() - started, next_retry_at: nextRetryAt, outcome });

  switch (verdict.outcome) {
    case "delivered":
      await markDelivered(deps.db, subscription.org_id, subscription.id);
      break;
    case "retry": {
      const next = { ...message, attempt: message.attempt + 1, not_before: nowS + verdict.delaySeconds, first_at: firstAt };
      await deps.queue.send(next, { delaySeconds: Math.min(MAX_QUEUE_DELAY_S, verdict.delaySeconds), contentType: "json" });
      break;
    }
    case "disable":
      await disableSubscription(deps.db, subscription.org_id, subscription.id, new Date().toISOString());
      break;
    case "dead-letter":
      await deps.deadLetters.send(message, { contentType: "json" });
      await markDeadLettered(deps.db, subscription.org_id, subscription.id, DISABLE_AFTER_FAILED_EVENTS);
      break;
  }
  return outcome;
}
