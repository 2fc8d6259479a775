import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { api, newIds, problem, scenario, token, type Ids } from "./helpers.ts";

const MANAGE = { claims: { scope: "heat_pumps:read webhooks:manage" } };

async function create(ids: Ids, body: Record<string, unknown>, jwt?: string) {
  return api(`/v1/orgs/${ids.orgId}/webhooks`, {
    method: "POST",
    token: jwt ?? (await token(ids, MANAGE)),
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("webhook subscriptions", () => {
  it("creates a subscription, shows its secret once, and stores it encrypted", async () => {
    const ids = newIds();
    const response = await create(ids, { url: "https://hooks.partner.example/heat-pumps", events: ["heat_pump.status_changed"], description: "ops" });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, any>;
    expect(created).toMatchObject({ url: "https://hooks.partner.example/heat-pumps", events: ["heat_pump.status_changed"], user_ids: null, enabled: true, status: "active" });
    expect(created.secret).toMatch(/^whsec_/);
    expect(response.headers.get("location")).toBe(`/v1/orgs/${ids.orgId}/webhooks/${created.id}`);

    const jwt = await token(ids, MANAGE);
    const read = (await (await api(`/v1/orgs/${ids.orgId}/webhooks/${created.id}`, { token: jwt })).json()) as Record<string, unknown>;
    expect(read).not.toHaveProperty("secret");
    const list = (await (await api(`/v1/orgs/${ids.orgId}/webhooks`, { token: jwt })).json()) as { data: Record<string, unknown>[] };
    expect(list.data.map((hook) => hook.id)).toEqual([created.id]);
    expect(JSON.stringify(list)).not.toContain(created.secret);

    const row = await env.DB.prepare("SELECT secret FROM webhook_subscriptions WHERE id = ?1").bind(created.id).first<{ secret: string }>();
    expect(row!.secret).not.toContain(created.secret.slice(6));
  });

  it("refuses receiver URLs that could reach private networks", async () => {
    const ids = newIds();
    for (const url of ["http://hooks.partner.example/", "https://169.254.169.254/latest", "https://user:pw@hooks.partner.example/", "https://10.0.0.1/hook"]) {
      const body = await problem(await create(ids, { url }), 400, "invalid_request");
      expect(body.errors?.[0]).toMatchObject({ in: "body", name: "url" });
    }
  });

  it("re-enabling a subscription the edge disabled is a fresh start: its failure count is reset", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    const { id } = (await (await create(ids, { url: "https://hooks.partner.example/a" }, jwt)).json()) as { id: string };
    const db = (env as unknown as { DB: D1Database }).DB;
    await db.prepare("UPDATE webhook_subscriptions SET enabled = 0, status = 'disabled', consecutive_failures = 5 WHERE id = ?1").bind(id).run();
    const path = `/v1/orgs/${ids.orgId}/webhooks/${id}`;
    const patched = await api(path, { method: "PATCH", token: jwt, headers: { "content-type": "application/json" }, body: JSON.stringify({ enabled: true }) });
    expect(await patched.json()).toMatchObject({ enabled: true, status: "active" });
    expect(await db.prepare("SELECT consecutive_failures FROM webhook_subscriptions WHERE id = ?1").bind(id).first("consecutive_failures")).toBe(0);
  });

  it("updates, rotates its secret and deletes", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    const created = (await (await create(ids, { url: "https://hooks.partner.example/a" }, jwt)).json()) as { id: string; secret: string };
    const path = `/v1/orgs/${ids.orgId}/webhooks/${created.id}`;
    const patched = await api(path, { method: "PATCH", token: jwt, headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://hooks.partner.example/b", enabled: false, user_ids: [ids.userId] }) });
    expect(await patched.json()).toMatchObject({ url: "https://hooks.partner.example/b", enabled: false, status: "disabled", user_ids: [ids.userId] });

    const rotated = (await (await api(`${path}/rotate-secret`, { method: "POST", token: jwt })).json()) as { secret: string; previous_secret_valid_until: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previous_secret_valid_until) - Date.now()).toBeGreaterThan(23 * 3600_000);

    expect((await api(path, { method: "DELETE", token: jwt })).status).toBe(204);
    await problem(await api(path, { token: jwt }), 404, "webhook_not_found");
  });

  it("keeps organisations apart and needs webhooks:manage", async () => {
    const a = newIds();
    const b = newIds();
    const hook = (await (await create(a, { url: "https://hooks.a.example/" })).json()) as { id: string };
    const bToken = await token(b, MANAGE);
    // B's own token on B's path never finds A's hook; on A's path it is the wrong organisation.
    await problem(await api(`/v1/orgs/${b.orgId}/webhooks/${hook.id}`, { token: bToken }), 404, "webhook_not_found");
    await problem(await api(`/v1/orgs/${b.orgId}/webhooks/${hook.id}`, { method: "DELETE", token: bToken }), 404, "webhook_not_found");
    await problem(await api(`/v1/orgs/${a.orgId}/webhooks`, { token: bToken }), 403, "forbidden_organisation");
    expect(((await (await api(`/v1/orgs/${b.orgId}/webhooks`, { token: bToken })).json()) as { data: unknown[] }).data).toEqual([]);
    await problem(await create(a, { url: "https://hooks.a.example/" }, await token(a)), 403, "insufficient_scope");
    await problem(await create(a, { url: "https://hooks.a.example/" }, await token(a, { claims: { scope: "webhooks:manage", user_id: a.userId } })), 403, "forbidden_user");
  });
});

describe("watches", () => {
  it("watches and unwatches users, idempotently, per organisation", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    const path = `/v1/orgs/${ids.orgId}/users/${ids.userId}/watch`;
    expect(await (await api(path, { method: "PUT", token: jwt })).json()).toEqual({ user_id: ids.userId, watched: true, created: true });
    expect(await (await api(path, { method: "PUT", token: jwt })).json()).toMatchObject({ created: false });
    const list = (await (await api(`/v1/orgs/${ids.orgId}/watches`, { token: jwt })).json()) as { data: { user_id: string }[]; next: string | null };
    expect(list.data.map((watch) => watch.user_id)).toEqual([ids.userId]);
    const other = newIds();
    expect(((await (await api(`/v1/orgs/${other.orgId}/watches`, { token: await token(other, MANAGE) })).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await api(path, { method: "DELETE", token: jwt })).status).toBe(204);
    expect(((await (await api(`/v1/orgs/${ids.orgId}/watches`, { token: jwt })).json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("pages through many watches", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    for (let i = 0; i < 5; i++) await api(`/v1/orgs/${ids.orgId}/users/${crypto.randomUUID()}/watch`, { method: "PUT", token: jwt });
    const first = (await (await api(`/v1/orgs/${ids.orgId}/watches?limit=3`, { token: jwt })).json()) as { data: { user_id: string }[]; next: string };
    const second = (await (await api(`/v1/orgs/${ids.orgId}/watches?limit=3&after=${first.next}`, { token: jwt })).json()) as { data: { user_id: string }[]; next: string | null };
    expect(first.data).toHaveLength(3);
    expect(second.data).toHaveLength(2);
    expect(second.next).toBeNull();
    expect(new Set([...first.data, ...second.data].map((watch) => watch.user_id)).size).toBe(5);
  });
});

describe("test events and the delivery log", () => {
  it("queues a webhook.test event for the organisation's own subscription only", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    const hook = (await (await create(ids, { url: "https://hooks.partner.example/t" }, jwt)).json()) as { id: string };
    const response = await api(`/v1/orgs/${ids.orgId}/webhooks/${hook.id}/test`, { method: "POST", token: jwt });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ event_id: expect.stringMatching(/^msg_[0-9a-f-]{36}$/) });
    const other = newIds();
    await problem(await api(`/v1/orgs/${other.orgId}/webhooks/${hook.id}/test`, { method: "POST", token: await token(other, MANAGE) }), 404, "webhook_not_found");
  });

  it("lists delivery attempts newest first, page by page, to their organisation only", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    const hook = (await (await create(ids, { url: "https://hooks.partner.example/d" }, jwt)).json()) as { id: string };
    for (let attempt = 1; attempt <= 3; attempt++) {
      await env.DB.prepare("INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, attempt, response_status, duration_ms, next_retry_at, outcome, created_at) VALUES (?1, ?2, 'msg_1', 'heat_pump.updated', ?3, ?4, 12, NULL, ?5, ?6)")
        .bind(crypto.randomUUID(), hook.id, attempt, attempt < 3 ? 500 : 204, attempt < 3 ? "retrying" : "delivered", `2026-11-29T10:0${attempt}:00.000Z`)
        .run();
    }
    const path = `/v1/orgs/${ids.orgId}/webhooks/${hook.id}/deliveries`;
    const first = (await (await api(`${path}?limit=2`, { token: jwt })).json()) as { data: { attempt: number; outcome: string }[]; next: string };
    expect(first.data.map((row) => [row.attempt, row.outcome])).toEqual([[3, "delivered"], [2, "retrying"]]);
    const second = (await (await api(`${path}?limit=2&after=${encodeURIComponent(first.next)}`, { token: jwt })).json()) as { data: { attempt: number }[]; next: string | null };
    expect(second).toMatchObject({ data: [{ attempt: 1 }], next: null });
    const other = newIds();
    await problem(await api(`/v1/orgs/${other.orgId}/webhooks/${hook.id}/deliveries`, { token: await token(other, MANAGE) }), 404, "webhook_not_found");
  });
});

describe("quotas and only users Podero knows", () => {
  async function withSettings(path: string, init: RequestInit & { token: string }, settings: Record<string, string>) {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${init.token}`);
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`https://edge.example${path}`, { ...init, headers }), { ...env, ...settings } as typeof env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it("refuses a watch past WEBHOOK_MAX_WATCHES_PER_ORG with 409 quota_exceeded; watching a watched user again still works", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    const settings = { WEBHOOK_MAX_WATCHES_PER_ORG: "2" };
    const users = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    for (const user of users.slice(0, 2)) expect((await withSettings(`/v1/orgs/${ids.orgId}/users/${user}/watch`, { method: "PUT", token: jwt }, settings)).status).toBe(200);
    const refused = await problem(await withSettings(`/v1/orgs/${ids.orgId}/users/${users[2]}/watch`, { method: "PUT", token: jwt }, settings), 409, "quota_exceeded");
    expect(refused).toMatchObject({ quota: "watches", limit: 2 });
    expect((await withSettings(`/v1/orgs/${ids.orgId}/users/${users[0]}/watch`, { method: "PUT", token: jwt }, settings)).status).toBe(200);
    const other = newIds(); // another organisation has its own quota
    expect((await withSettings(`/v1/orgs/${other.orgId}/users/${users[2]}/watch`, { method: "PUT", token: await token(other, MANAGE) }, settings)).status).toBe(200);
  });

  it("refuses a subscription past WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG with 409 quota_exceeded", async () => {
    const ids = newIds();
    const jwt = await token(ids, MANAGE);
    const settings = { WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG: "1" };
    const create = () => withSettings(`/v1/orgs/${ids.orgId}/webhooks`, { method: "POST", token: jwt, headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://hooks.partner.example/q" }) }, settings);
    expect((await create()).status).toBe(201);
    expect(await problem(await create(), 409, "quota_exceeded")).toMatchObject({ quota: "subscriptions", limit: 1 });
  });

  it("watches only a user Podero knows: 404 user_not_found, nothing stored", async () => {
    const ids = newIds();
    await scenario(ids.userId, { queue: [{ status: 404, json: { detail: "Not found." } }] });
    const jwt = await token(ids, MANAGE);
    await problem(await api(`/v1/orgs/${ids.orgId}/users/${ids.userId}/watch`, { method: "PUT", token: jwt }), 404, "user_not_found");
    const list = (await (await api(`/v1/orgs/${ids.orgId}/watches`, { token: jwt })).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });
});
