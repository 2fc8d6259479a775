import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { authorize, authorizeOrganisation } from "../../auth/authorize.ts";
import { REQUIRED_SCOPES } from "../../auth/principal.ts";
import { configFor } from "../../config/config.ts";
import { loadHeatPumps } from "../../heat-pumps/load.ts";
import { MisconfiguredError, QuotaExceededError, RateLimitedError, ValidationError, WebhookNotFoundError } from "../../problems/errors.ts";
import type { DeliverMessage, DeliveryOutbox } from "../messages.ts";
import { checkReceiverUrl } from "../receiver-url.ts";
import type * as routes from "./routes.ts";
import { resealed, sealSecret } from "../secret-box.ts";
import { newWebhookSecret } from "../signature.ts";
import { requireDb } from "../store/binding.ts";
import * as events from "../store/events.ts";
import * as feed from "../store/feed.ts";
import * as subscriptions from "../store/subscriptions.ts";
import * as watches from "../store/watches.ts";

const ROTATION_GRACE_S = 24 * 3600;
const NO_STORE = { "cache-control": "no-store" };

const db = (c: Context<AppEnv>) => requireDb(c.env.DB);

/** Deliveries the API starts go to the webhook worker, which queues them (its `WebhookOutbox` entrypoint). */
function outbox(c: Context<AppEnv>): DeliveryOutbox {
  if (!c.env.WEBHOOK_OUTBOX) throw new MisconfiguredError("Webhooks are not set up on this edge (no WEBHOOK_OUTBOX binding).");
  // wrangler types names the binding a plain Service: its RPC methods are the entrypoint's (DeliveryOutbox).
  return c.env.WEBHOOK_OUTBOX as unknown as DeliveryOutbox;
}

function org(c: Context<AppEnv>, orgId: string, scopes: readonly string[] = REQUIRED_SCOPES.manageWebhooks) {
  return authorizeOrganisation(c.get("principal"), orgId, scopes);
}

function receiver(c: Context<AppEnv>, url: string): string {
  const checked = checkReceiverUrl(url, configFor(c.env).development);
  if ("error" in checked) {
    const errors = [{ in: "body" as const, name: "url", detail: `url: ${checked.error}` }];
    throw new ValidationError(errors[0]!.detail, { extensions: { errors } });
  }
  return checked.url;
}

async function found(c: Context<AppEnv>, orgId: string, id: string): Promise<subscriptions.SubscriptionRow> {
  const row = await subscriptions.findSubscription(db(c), orgId, id);
  if (!row) throw new WebhookNotFoundError("This organisation has no webhook subscription with this id.");
  return row;
}

export const createWebhook: RouteHandler<typeof routes.createWebhookRoute, AppEnv> = async (c) => {
  const grant = org(c, c.req.valid("param").org_id, REQUIRED_SCOPES.routeWebhookData);
  const body = c.req.valid("json");
  const limit = configFor(c.env).webhooks.maxSubscriptionsPerOrg;
  if ((await subscriptions.countSubscriptions(db(c), grant.orgId)) >= limit) {
    throw new QuotaExceededError(`This organisation already has ${limit} webhook subscriptions, the most this edge allows.`, { extensions: { quota: "subscriptions", limit } });
  }
  const secret = newWebhookSecret();
  const now = new Date().toISOString();
  const row: subscriptions.SubscriptionRow = {
    id: `wh_${crypto.randomUUID()}`,
    org_id: grant.orgId,
    issuer: grant.issuer,
    url: receiver(c, body.url),
    events: JSON.stringify(body.events ?? []),
    user_ids: body.user_ids ? JSON.stringify(body.user_ids) : null,
    description: body.description ?? null,
    enabled: 1,
    status: "active",
    secret: await sealSecret(c.env.WEBHOOK_SECRETS_KEY, secret),
    previous_secret: null,
    previous_secret_until: null,
    consecutive_failures: 0,
    created_at: now,
    updated_at: now,
  };
  await subscriptions.insertSubscription(db(c), row);
  return c.json({ ...subscriptions.publicSubscription(row), secret }, 201, { ...NO_STORE, location: `/v1/orgs/${grant.orgId}/webhooks/${row.id}` });
};

export const listWebhooks: RouteHandler<typeof routes.listWebhooksRoute, AppEnv> = async (c) => {
  const grant = org(c, c.req.valid("param").org_id);
  const { limit, after } = c.req.valid("query");
  const rows = await subscriptions.listSubscriptions(db(c), grant.orgId, limit + 1, after);
  const page = rows.slice(0, limit);
  return c.json({ data: page.map(subscriptions.publicSubscription), next: rows.length > limit ? page.at(-1)!.id : null }, 200, NO_STORE);
};

export const getWebhook: RouteHandler<typeof routes.getWebhookRoute, AppEnv> = async (c) => {
  const { org_id, webhook_id } = c.req.valid("param");
  const grant = org(c, org_id);
  return c.json(subscriptions.publicSubscription(await found(c, grant.orgId, webhook_id)), 200, NO_STORE);
};

export const updateWebhook: RouteHandler<typeof routes.updateWebhookRoute, AppEnv> = async (c) => {
  const { org_id, webhook_id } = c.req.valid("param");
  const grant = org(c, org_id, REQUIRED_SCOPES.routeWebhookData);
  const body = c.req.valid("json");
  const current = await found(c, grant.orgId, webhook_id);
  // Whoever changes it now answers for where its data goes, so the URL (new or kept) passes today's rules again:
  // a change by another issuer never revives a receiver registered under rules or an issuer no longer in force.
  const changes: Parameters<typeof subscriptions.updateSubscription>[3] = { issuer: grant.issuer, url: receiver(c, body.url ?? current.url) };
  if (body.events !== undefined) changes.events = JSON.stringify(body.events);
  if (body.user_ids !== undefined) changes.user_ids = body.user_ids === null ? null : JSON.stringify(body.user_ids);
  if (body.description !== undefined) changes.description = body.description;
  if (body.enabled !== undefined) {
    changes.enabled = body.enabled ? 1 : 0;
    // Re-enabling a subscription the edge disabled (410, repeated failures) gives it a fresh start.
    changes.status = body.enabled ? "active" : "disabled";
    if (body.enabled) changes.consecutive_failures = 0;
  }
  // A write seals the secrets anew under the key ring's current key (WEBHOOK_SECRETS_KEY rotation).
  changes.secret = await resealed(c.env.WEBHOOK_SECRETS_KEY, current.secret);
  if (current.previous_secret) changes.previous_secret = await resealed(c.env.WEBHOOK_SECRETS_KEY, current.previous_secret);
  await subscriptions.updateSubscription(db(c), grant.orgId, webhook_id, changes, new Date().toISOString());
  return c.json(subscriptions.publicSubscription(await found(c, grant.orgId, webhook_id)), 200, NO_STORE);
};

export const deleteWebhook: RouteHandler<typeof routes.deleteWebhookRoute, AppEnv> = async (c) => {
  const { org_id, webhook_id } = c.req.valid("param");
  const grant = org(c, org_id);
  if (!(await subscriptions.deleteSubscription(db(c), grant.orgId, webhook_id))) throw new WebhookNotFoundError("This organisation has no webhook subscription with this id.");
  return c.body(null, 204);
};

export const rotateWebhookSecret: RouteHandler<typeof routes.rotateWebhookSecretRoute, AppEnv> = async (c) => {
  const { org_id, webhook_id } = c.req.valid("param");
  const grant = org(c, org_id);
  const row = await found(c, grant.orgId, webhook_id);
  const secret = newWebhookSecret();
  // No body (or no field): the default grace period.
  const grace = (c.req.valid("json") as { previous_secret_expires_in?: number } | undefined)?.previous_secret_expires_in ?? ROTATION_GRACE_S;
  const until = Math.floor(Date.now() / 1000) + grace;
  // The current secret becomes the previous one for the grace period (sealed under the ring's current key).
  await subscriptions.updateSubscription(
    db(c),
    grant.orgId,
    webhook_id,
    { secret: await sealSecret(c.env.WEBHOOK_SECRETS_KEY, secret), previous_secret: await resealed(c.env.WEBHOOK_SECRETS_KEY, row.secret), previous_secret_until: until },
    new Date().toISOString(),
  );
  const updated = await found(c, grant.orgId, webhook_id);
  return c.json({ ...subscriptions.publicSubscription(updated), secret, previous_secret_valid_until: new Date(until * 1000).toISOString() }, 200, NO_STORE);
};

export const putWatch: RouteHandler<typeof routes.putWatchRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  let grant = authorize(c.get("principal"), { orgId: params.org_id, userId: params.user_id }, REQUIRED_SCOPES.routeWebhookData);
  if (!(await watches.isWatched(db(c), grant.orgId, grant.userId))) {
    const limit = configFor(c.env).webhooks.maxWatchesPerOrg;
    if ((await watches.countWatches(db(c), grant.orgId)) >= limit) {
      throw new QuotaExceededError(`This organisation already watches ${limit} users, the most this edge allows.`, { extensions: { quota: "watches", limit } });
    }
    // Only users Podero knows: a 404 here is `user_not_found`, and nothing is stored (the read warms the cache too).
    ({ grant } = await loadHeatPumps(c, params, { scopes: REQUIRED_SCOPES.routeWebhookData }));
  }
  const created = await watches.putWatch(db(c), grant.orgId, grant.userId, grant.issuer, new Date().toISOString());
  return c.json({ user_id: grant.userId, watched: true as const, created }, 200, NO_STORE);
};

export const deleteWatch: RouteHandler<typeof routes.deleteWatchRoute, AppEnv> = async (c) => {
  const params = c.req.valid("param");
  const grant = authorize(c.get("principal"), { orgId: params.org_id, userId: params.user_id }, REQUIRED_SCOPES.manageWebhooks);
  await watches.deleteWatch(db(c), grant.orgId, grant.userId);
  return c.body(null, 204);
};

export const listWatches: RouteHandler<typeof routes.listWatchesRoute, AppEnv> = async (c) => {
  const grant = org(c, c.req.valid("param").org_id);
  const { limit, after } = c.req.valid("query");
  const rows = await watches.listWatches(db(c), grant.orgId, limit + 1, after);
  const page = rows.slice(0, limit);
  return c.json(
    {
      data: page.map((row) => ({ user_id: row.user_id, created_at: row.created_at, last_checked_at: row.last_checked_at === null ? null : new Date(row.last_checked_at * 1000).toISOString() })),
      next: rows.length > limit ? page.at(-1)!.user_id : null,
    },
    200,
    NO_STORE,
  );
};

export const testWebhook: RouteHandler<typeof routes.testWebhookRoute, AppEnv> = async (c) => {
  const { org_id, webhook_id } = c.req.valid("param");
  const grant = org(c, org_id);
  await found(c, grant.orgId, webhook_id);

  const eventId = `msg_${crypto.randomUUID()}`;
  const payload = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhook_id } });
  await outbox(c).send([{ kind: "deliver", org_id: grant.orgId, subscription_id: webhook_id, event_id: eventId, event_type: "webhook.test", payload, attempt: 1 }]);
  return c.json({ event_id: eventId }, 202, NO_STORE);
};

const REPLAY_INTERVAL_S = 60;
const REPLAY_MAX_EVENTS = 1000;

export const replayWebhookEvents: RouteHandler<typeof routes.replayWebhookRoute, AppEnv> = async (c) => {
  const { org_id, webhook_id } = c.req.valid("param");
  const grant = org(c, org_id, REQUIRED_SCOPES.routeWebhookData);
  const body = c.req.valid("json");
  await found(c, grant.orgId, webhook_id);
  const sender = outbox(c);
  if (!(await subscriptions.claimReplay(db(c), grant.orgId, webhook_id, Math.floor(Date.now() / 1000), REPLAY_INTERVAL_S))) {
    throw new RateLimitedError(`One replay per subscription every ${REPLAY_INTERVAL_S} s.`, { headers: { "retry-after": String(REPLAY_INTERVAL_S) } });
  }
  const window = { since: new Date(body.since).toISOString(), until: new Date(body.until ?? Date.now()).toISOString(), onlyFailed: body.only_failed ?? false, limit: REPLAY_MAX_EVENTS };
  const kept = await events.eventsToReplay(db(c), grant.orgId, webhook_id, window);
  // Each with its original id and body: receivers that saw it already recognise it.
  const messages = kept.map((event): DeliverMessage => ({ kind: "deliver", org_id: grant.orgId, subscription_id: webhook_id, event_id: event.event_id, event_type: event.event_type, payload: event.payload, attempt: 1 }));
  return c.json({ replayed: await sender.send(messages) }, 202, NO_STORE);
};

export const listDeliveries: RouteHandler<typeof routes.listDeliveriesRoute, AppEnv> = async (c) => {
  const { org_id, webhook_id } = c.req.valid("param");
  const grant = org(c, org_id);
  await found(c, grant.orgId, webhook_id);
  const { limit, after } = c.req.valid("query");
  const results = await events.listAttempts(db(c), grant.orgId, webhook_id, limit + 1, after);
  const page = results.slice(0, limit);
  const last = page.at(-1);
  return c.json({ data: page, next: results.length > limit && last ? `${last.created_at}|${last.id}` : null }, 200, NO_STORE);
};

export const listEvents: RouteHandler<typeof routes.listEventsRoute, AppEnv> = async (c) => {
  const grant = org(c, c.req.valid("param").org_id, REQUIRED_SCOPES.read);
  const { after, limit, types, user_id } = c.req.valid("query");
  const afterSeq = after ? Number(after.slice(4)) : 0;
  const filter = { types: types ? new Set(types.split(",").map((type) => type.trim()).filter(Boolean)) : undefined, userId: user_id?.toLowerCase() };
  const { rows, lastSeq } = await feed.readFeed(db(c), grant.orgId, afterSeq, limit, filter);
  const data = rows.map((row) => {
    const payload = JSON.parse(row.payload) as { type: string; timestamp: string; data: Record<string, unknown> };
    return { id: row.event_id, type: payload.type, timestamp: payload.timestamp, user_id: row.user_id, data: payload.data };
  });
  return c.json({ data, next_cursor: `evc_${lastSeq}` }, 200, NO_STORE);
};
