/**
 * The webhook worker's way in for the API worker (a service binding to this entrypoint, `WEBHOOK_OUTBOX`): deliveries
 * the API starts — a `webhook.test` event, a replay — are queued here, by the worker that consumes the queue. It is
 * reachable only through a service binding (RPC), never over HTTP, and in local runs it works between two
 * `wrangler dev` processes, where queue messages sent from one process to the other's consumer get lost.
 *
 * @module
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { sendAll } from "../batches.ts";
import type { DeliverMessage, DeliveryOutbox } from "../messages.ts";
import type { WebhooksEnv } from "./index.ts";

const MAX_MESSAGES = 1000;
const MAX_PAYLOAD_CHARS = 100_000;

function isFirstDelivery(message: DeliverMessage): boolean {
  return (
    message?.kind === "deliver" &&
    message.attempt === 1 &&
    [message.org_id, message.subscription_id, message.event_id, message.event_type, message.payload].every((field) => typeof field === "string" && field !== "") &&
    message.payload.length <= MAX_PAYLOAD_CHARS
  );
}

export class WebhookOutbox extends WorkerEntrypoint<WebhooksEnv> implements DeliveryOutbox {
  /** Queues the deliveries (in batches within Queues' limits); answers how many. */
  async send(messages: DeliverMessage[]): Promise<number> {
    // Checked, though only the API worker binds this: a first attempt of a small event, nothing else.
    const deliveries = (Array.isArray(messages) ? messages : []).slice(0, MAX_MESSAGES).filter(isFirstDelivery);
    await sendAll(this.env.WEBHOOK_QUEUE, deliveries);
    return deliveries.length;
  }
}
