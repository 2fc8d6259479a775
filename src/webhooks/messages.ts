/** Queue messages of the webhook worker: poll a group of shards, check one watched user, or deliver one event. */
export type WebhookMessage = PollMessage | CheckMessage | DeliverMessage;

/** One cron run's share of the watch table: shards `first_shard` … `first_shard + shards - 1` (src/webhooks/worker/poll.ts). */
export interface PollMessage {
  kind: "poll";
  first_shard: number;
  shards: number;
  /** Epoch seconds of the cron run that sent it. */
  scheduled_at: number;
  /** How many checks it may queue: its part of the minute's, by how many of its watches are due (default: by size). */
  share?: number;
  /** The minute's due watches are more than the budget allows: every check is paced at the share, not only overdue ones. */
  paced?: boolean;
}

export interface CheckMessage {
  kind: "check";
  org_id: string;
  user_id: string;
  /** The issuer that registered the watch; the check is skipped unless PARTNER_ISSUERS still lets it act for the org. */
  issuer?: string | null;
  /** How often the upstream budget has had no permit for it yet (it is queued again a moment later, 3 times at most). */
  deferrals?: number;
}

export interface DeliverMessage {
  kind: "deliver";
  org_id: string;
  subscription_id: string;
  /** `webhook-id`: the same on every attempt of this (event, subscription). */
  event_id: string;
  event_type: string;
  /** The signed body, fixed at detection time so retries send the same bytes. */
  payload: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Epoch seconds of the first attempt: no Retry-After carries a delivery past the schedule's end from it. */
  first_at?: number;
  /** Queues delay at most 12 h: a longer wait hops through the queue until this time (epoch seconds). */
  not_before?: number;
}

/** What the API worker may ask of the webhook worker (its `WebhookOutbox` entrypoint, over a service binding). */
export interface DeliveryOutbox {
  /** Queues the deliveries; answers how many. */
  send(messages: DeliverMessage[]): Promise<number>;
}
