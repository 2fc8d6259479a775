import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { ISSUERS, LIMITED_ORG_ID } from "../support/bindings.ts";
import { api, listPath, newIds, problem, scenario, token, type Ids } from "./helpers.ts";

// The scope matrix (docs/auth.md "Scopes"): each scope grants one power, and every operation that hands out
// heat-pump data — directly, through an embed token, or to a webhook receiver — also needs heat_pumps:read.

/** A subscription of the organisation, made with a token that may; its path. */
async function subscription(ids: Ids): Promise<string> {
  const jwt = await token(ids, { claims: { scope: "heat_pumps:read webhooks:manage" } });
  const created = await api(`/v1/orgs/${ids.orgId}/webhooks`, { method: "POST", token: jwt, ...json({ url: "https://hooks.partner.example/x" }) });
  return `/v1/orgs/${ids.orgId}/webhooks/${((await created.json()) as { id: string }).id}`;
}

const json = (body: unknown): RequestInit => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

interface Operation {
  name: string;
  /** Every scope it needs. */
  needs: string[];
  request: (ids: Ids) => { path: string; init: RequestInit } | Promise<{ path: string; init: RequestInit }>;
}

const OPERATIONS: Operation[] = [
  { name: "read the list", needs: ["heat_pumps:read"], request: (ids) => ({ path: listPath(ids), init: {} }) },
  { name: "refresh", needs: ["heat_pumps:read", "heat_pumps:refresh"], request: (ids) => ({ path: `${listPath(ids)}/refresh`, init: { method: "POST" } }) },
  {
    name: "create an embed token",
    needs: ["heat_pumps:read", "embeds:write"],
    request: (ids) => ({ path: listPath(ids).replace(/heat-pumps$/, "embed-tokens"), init: { method: "POST", ...json({ origins: ["https://app.partner.example"] }) } }),
  },
  {
    name: "subscribe a receiver",
    needs: ["heat_pumps:read", "webhooks:manage"],
    request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/webhooks`, init: { method: "POST", ...json({ url: "https://hooks.partner.example/x" }) } }),
  },
  { name: "watch a user", needs: ["heat_pumps:read", "webhooks:manage"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/users/${ids.userId}/watch`, init: { method: "PUT" } }) },
  { name: "list subscriptions", needs: ["webhooks:manage"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/webhooks`, init: {} }) },
  { name: "read one heat pump", needs: ["heat_pumps:read"], request: (ids) => ({ path: `${listPath(ids)}/${heatPump({}, "scopes").id}`, init: {} }) },
  { name: "read the Podero-compatible list", needs: ["heat_pumps:read"], request: (ids) => ({ path: `/api/partners/v2.0/org/${ids.orgId}/users/${ids.userId}/heat-pumps`, init: {} }) },
  {
    name: "change a subscription",
    needs: ["heat_pumps:read", "webhooks:manage"],
    request: async (ids) => ({ path: await subscription(ids), init: { method: "PATCH", ...json({ description: "changed" }) } }),
  },
  { name: "read a subscription", needs: ["webhooks:manage"], request: async (ids) => ({ path: await subscription(ids), init: {} }) },
  { name: "rotate a secret", needs: ["webhooks:manage"], request: async (ids) => ({ path: `${await subscription(ids)}/rotate-secret`, init: { method: "POST" } }) },
  { name: "send a test event", needs: ["webhooks:manage"], request: async (ids) => ({ path: `${await subscription(ids)}/test`, init: { method: "POST" } }) },
  { name: "read the delivery log", needs: ["webhooks:manage"], request: async (ids) => ({ path: `${await subscription(ids)}/deliveries`, init: {} }) },
  { name: "delete a subscription", needs: ["webhooks:manage"], request: async (ids) => ({ path: await subscription(ids), init: { method: "DELETE" } }) },
  { name: "unwatch a user", needs: ["webhooks:manage"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/users/${ids.userId}/watch`, init: { method: "DELETE" } }) },
  { name: "list watches", needs: ["webhooks:manage"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/watches`, init: {} }) },
  { name: "read the event feed", needs: ["heat_pumps:read"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/events`, init: {} }) },
  { name: "read the fleet", needs: ["heat_pumps:read"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/heat-pumps`, init: {} }) },
  { name: "read the fleet's summary", needs: ["heat_pumps:read"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/heat-pumps/summary`, init: {} }) },
];

describe("scope matrix", () => {
  for (const operation of OPERATIONS) {
    it(`${operation.name}: needs ${operation.needs.join(" + ")}, and no other scope stands in for any of them`, async () => {
      const ids = newIds();
      await scenario(ids.userId, { items: [heatPump({}, "scopes")] });
      const { path, init } = await operation.request(ids);
      const everythingElse = ["heat_pumps:read", "heat_pumps:refresh", "embeds:write", "webhooks:manage", "owners:read"];
      for (const missing of operation.needs) {
        const scope = everythingElse.filter((candidate) => candidate !== missing).join(" ");
        const body = await problem(await api(path, { ...init, token: await token(ids, { claims: { scope } }) }), 403, "insufficient_scope");
        expect(body.required_scope).toBe(missing);
        expect(body.required_scopes).toEqual(operation.needs);
      }
      const allowed = await api(path, { ...init, token: await token(ids, { claims: { scope: operation.needs.join(" ") } }) });
      expect(allowed.status, await allowed.clone().text()).toBeLessThan(300);
    });
  }

  it("a token with only heat_pumps:refresh reads nothing (the defect: it used to read the full list)", async () => {
    const ids = newIds();
    await problem(await api(`${listPath(ids)}/refresh`, { method: "POST", token: await token(ids, { claims: { scope: "heat_pumps:refresh" } }) }), 403, "insufficient_scope");
  });

  it("a subscription and a watch remember the issuer whose token made them", async () => {
    const ids = newIds();
    const jwt = await token(ids, { claims: { scope: "heat_pumps:read webhooks:manage" } });
    const created = (await (await api(`/v1/orgs/${ids.orgId}/webhooks`, { method: "POST", token: jwt, ...json({ url: "https://hooks.partner.example/x" }) })).json()) as { id: string };
    await api(`/v1/orgs/${ids.orgId}/users/${ids.userId}/watch`, { method: "PUT", token: jwt });
    const db = (env as unknown as { DB: D1Database }).DB;
    expect(await db.prepare("SELECT issuer FROM webhook_subscriptions WHERE id = ?1").bind(created.id).first("issuer")).toBe("https://partner-a.example");
    expect(await db.prepare("SELECT issuer FROM watches WHERE org_id = ?1 AND user_id = ?2").bind(ids.orgId, ids.userId).first("issuer")).toBe("https://partner-a.example");
  });

  it("an issuer limited to some organisations is refused for any other, on every kind of route", async () => {
    const ids = newIds(); // not in the limited issuer's orgs
    const jwt = await token(ids, { issuer: ISSUERS.limited, claims: { scope: "heat_pumps:read heat_pumps:refresh embeds:write webhooks:manage owners:read" } });
    for (const operation of OPERATIONS) {
      const { path, init } = await operation.request(ids);
      const refused = await problem(await api(path, { ...init, token: jwt }), 403, "forbidden_organisation");
      expect(refused.detail, operation.name).toMatch(/issuer may not act/);
    }
    const own = { orgId: LIMITED_ORG_ID, userId: crypto.randomUUID() };
    const allowed = await api(listPath(own), { token: await token(own, { issuer: ISSUERS.limited }) });
    expect(allowed.status).toBe(200);
  });
});
