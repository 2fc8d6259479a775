/**
 * The webhook worker's way in for the API worker (a service binding to this entrypoint, `WEBHOOK_OUTBOX`): deliveries
 * the API starts — a `webhook.test` event, a replay — are queued here, by the worker that consumes the queue. It is
 * reachable only through a service binding (RPC), never over HTTP, and in local runs it works between two
 * `wrangler dev` processes, where queue messages sent from one process to the other's consumer get lost.
 *
 * @module
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { batchesBySize } from "../batches.ts";
import type { DeliverMessage, DeliveryOutbox } from "../messages.ts";
import type { WebhooksEnv } from "./index.ts";

export class WebhookOutbox extends WorkerEntrypoint<WebhooksEnv> implements DeliveryOutbox {
  /** Queues the deliveries (in batches within Queues' limits); answers how many. */
  async send(messages: DeliverMessage[]): Promise<number> {
    const deliveries = messages.filter((message) => message.kind === "deliver");
    for (const batch of batchesBySize(deliveries)) await this.env.WEBHOOK_QUEUE.sendBatch(batch.map((body) => ({ body })));
    return deliveries.length;
  }
}
