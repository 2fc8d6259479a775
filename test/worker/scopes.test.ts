import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, listPath, newIds, problem, token, type Ids } from "./helpers.ts";

// The scope matrix (README "Auth model"): each scope grants one power, and every operation that hands out
// heat-pump data — directly, through an embed token, or to a webhook receiver — also needs heat_pumps:read.

const json = (body: unknown): RequestInit => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

interface Operation {
  name: string;
  /** Every scope it needs. */
  needs: string[];
  request: (ids: Ids) => { path: string; init: RequestInit };
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
  { name: "list watches", needs: ["webhooks:manage"], request: (ids) => ({ path: `/v1/orgs/${ids.orgId}/watches`, init: {} }) },
];

describe("scope matrix", () => {
  for (const operation of OPERATIONS) {
    it(`${operation.name}: needs ${operation.needs.join(" + ")}, and no other scope stands in for any of them`, async () => {
      const ids = newIds();
      const { path, init } = operation.request(ids);
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
});
