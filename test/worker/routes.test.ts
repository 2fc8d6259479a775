import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import worker from "../../src/index.ts";
import { api, FAKE, listPath, newIds, problem, scenario, token, upstreamCalls, type Ids } from "./helpers.ts";

const HEALTHY = heatPump({}, "healthy");
const WARNING = heatPump({ monitoring_status: "warning", operational_mode: "Hot Water" }, "warning");
const BROKEN = heatPump({ connection_status: "error", is_authenticated: false }, "broken");

async function withThree(): Promise<Ids & { jwt: string }> {
  const ids = newIds();
  await scenario(ids.userId, { items: [HEALTHY, WARNING, BROKEN] });
  return { ...ids, jwt: await token(ids) };
}

describe("GET /v1/orgs/{org_id}/users/{user_id}/heat-pumps", () => {
  it("answers the reshaped list with meta", async () => {
    const ids = await withThree();
    const response = await api(listPath(ids), { token: ids.jwt });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toMatch(/^private, max-age=(29|30)$/);
    expect(response.headers.get("cache-status")).toBe("heat-pump-edge; fwd=miss; fwd-status=200; stored");
    const { data, meta } = (await response.json()) as { data: Record<string, any>[]; meta: Record<string, unknown> };
    expect(data.map((item) => item.id)).toEqual([HEALTHY.id, WARNING.id, BROKEN.id]);
    expect(data.map((item) => item.status.overall)).toEqual(["ok", "warning", "error"]);
    expect(data[0]!.owner).not.toHaveProperty("email");
    expect(meta).toMatchObject({ count: 3, view: "full", stale: false, invalid_items: [] });
    expect(Date.now() - Date.parse(meta.fetched_at as string)).toBeLessThan(60_000);
  });

  it("answers the compact view", async () => {
    const ids = await withThree();
    const { data, meta } = (await (await api(listPath(ids, "?view=compact"), { token: ids.jwt })).json()) as { data: Record<string, unknown>[]; meta: Record<string, unknown> };
    expect(meta.view).toBe("compact");
    expect(Object.keys(data[1]!).sort()).toEqual(
      ["action_needed", "activity", "consumption_last_day_kwh", "hot_water_c", "id", "indoor_actual_c", "indoor_target_c", "label", "mode", "mode_label", "online", "optimising", "outdoor_c", "power_w", "stale", "state_updated_at", "status"].sort(),
    );
    expect(data[1]).toMatchObject({ status: "warning", activity: "hot_water" });
  });

  it("filters on the overall status", async () => {
    const ids = await withThree();
    const { data, meta } = (await (await api(listPath(ids, "?status=error&view=compact"), { token: ids.jwt })).json()) as { data: { id: string }[]; meta: { count: number } };
    expect(data.map((item) => item.id)).toEqual([BROKEN.id]);
    expect(meta.count).toBe(1);
  });

  it("ignores unknown query parameters", async () => {
    const ids = await withThree();
    expect((await api(listPath(ids, "?utm_source=app&page=2"), { token: ids.jwt })).status).toBe(200);
  });

  it("refuses invalid values of known query parameters with a 400 that names them", async () => {
    const ids = await withThree();
    const body = await problem(await api(listPath(ids, "?view=tiny"), { token: ids.jwt }), 400, "invalid_request");
    expect(body.errors).toEqual([{ in: "query", name: "view", detail: "view must be full or compact" }]);
    const status = await problem(await api(listPath(ids, "?status=OK"), { token: ids.jwt }), 400, "invalid_request");
    expect(status.errors?.[0]).toMatchObject({ in: "query", name: "status" });
  });

  it("shows owners' e-mail and names with owners:read", async () => {
    const ids = newIds();
    await scenario(ids.userId, { items: [HEALTHY] });
    const jwt = await token(ids, { claims: { scope: "heat_pumps:read owners:read" } });
    const { data } = (await (await api(listPath(ids), { token: jwt })).json()) as { data: { owner: Record<string, unknown> }[] };
    expect(data[0]!.owner).toMatchObject({ email: "erika.mustermann@example.com", first_name: "Erika", last_name: "Mustermann" });
  });
});

describe("GET /v1/orgs/{org_id}/users/{user_id}/heat-pumps/{heat_pump_id}", () => {
  it("answers one heat pump, in either view", async () => {
    const ids = await withThree();
    const full = (await (await api(`${listPath(ids)}/${WARNING.id}`, { token: ids.jwt })).json()) as { data: Record<string, any>; meta: Record<string, unknown> };
    expect(full.data.id).toBe(WARNING.id);
    expect(full.data.activity.operational_mode).toBe("hot_water");
    expect(full.meta).toMatchObject({ view: "full", stale: false });
    const compact = (await (await api(`${listPath(ids)}/${String(WARNING.id).toUpperCase()}?view=compact`, { token: ids.jwt })).json()) as { data: Record<string, unknown> };
    expect(compact.data).toMatchObject({ id: WARNING.id, status: "warning" });
  });

  it("answers 404 when the user has no such heat pump", async () => {
    const ids = await withThree();
    await problem(await api(`${listPath(ids)}/${crypto.randomUUID()}`, { token: ids.jwt }), 404, "heat_pump_not_found");
  });
});

describe("GET /api/partners/v2.0/org/{org_id}/users/{user_id}/heat-pumps (Podero-compatible)", () => {
  const compatPath = (ids: Ids) => `/api/partners/v2.0/org/${ids.orgId}/users/${ids.userId}/heat-pumps`;

  it("answers Podero's own shape, with personal data nulled without owners:read", async () => {
    const ids = await withThree();
    const response = await api(compatPath(ids), { token: ids.jwt });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-fetched-at")).toBeTruthy();
    const body = (await response.json()) as Record<string, any>[];
    expect(Array.isArray(body)).toBe(true);
    const expected = { ...HEALTHY, owner: { ...(HEALTHY.owner as object), email: null, first_name: null, last_name: null }, action_needed: null, actions: [], lifecycle_state: null };
    expect(body[0]).toEqual(expected);
  });

  it("keeps the owner with owners:read, and says how many items it left out", async () => {
    const ids = newIds();
    await scenario(ids.userId, { items: [HEALTHY, { id: "broken" }] });
    const response = await api(compatPath(ids), { token: await token(ids, { claims: { scope: "heat_pumps:read owners:read" } }) });
    expect(response.headers.get("x-invalid-upstream-items")).toBe("1");
    const body = (await response.json()) as Record<string, any>[];
    expect(body).toHaveLength(1);
    expect(body[0]!.owner).toEqual(HEALTHY.owner);
  });

  it("leaves out fields Podero added that this version does not know, at every level, without owners:read", async () => {
    const ids = newIds();
    const drifted = { ...HEALTHY, owner_phone: "+49 170 5550123", device_model: { ...(HEALTHY.device_model as object), installer_mobile: "+43 660 5550199" }, actions: [{ code: "reauthenticate", description: null, resolution_url: null, contact: "erika@example.org" }] };
    await scenario(ids.userId, { items: [drifted] });
    const hidden = await (await api(compatPath(ids), { token: await token(ids) })).text();
    expect(hidden).not.toMatch(/5550123|5550199|erika@example|owner_phone|installer_mobile/);
    expect(hidden).toContain("reauthenticate");
    const shown = await (await api(compatPath(ids), { token: await token(ids, { claims: { scope: "heat_pumps:read owners:read" } }) })).text();
    for (const value of ["5550123", "5550199", "erika@example.org"]) expect(shown).toContain(value);
  });

  it("has the same auth", async () => {
    const ids = newIds();
    await problem(await api(compatPath(ids)), 401, "missing_token");
    await problem(await api(compatPath({ ...ids, orgId: crypto.randomUUID() }), { token: await token(ids) }), 403, "forbidden_organisation");
  });
});

describe("bad parameters never reach the upstream", () => {
  const cases: [string, (ids: Ids) => string][] = [
    ["a user id that is not a UUID", (ids) => `/v1/orgs/${ids.orgId}/users/42/heat-pumps`],
    ["an org id that is not a UUID", () => `/v1/orgs/acme/users/${crypto.randomUUID()}/heat-pumps`],
    ["a heat pump id that is not a UUID", (ids) => `${listPath(ids)}/not-a-uuid`],
    ["an encoded path traversal in the user id", (ids) => `/v1/orgs/${ids.orgId}/users/..%2F..%2F..%2Fadmin/heat-pumps`],
    ["an encoded traversal in the heat pump id", (ids) => `${listPath(ids)}/..%2F${ids.userId}`],
    ["a UUID with trailing junk", (ids) => `/v1/orgs/${ids.orgId}/users/${ids.userId}%00/heat-pumps`],
    ["a compat route user id that is not a UUID", (ids) => `/api/partners/v2.0/org/${ids.orgId}/users/%2e%2e%2fusers/heat-pumps`],
  ];
  for (const [name, path] of cases) {
    it(`refuses ${name} with a 400`, async () => {
      const ids = newIds();
      const response = await api(path(ids), { token: await token(ids) });
      const body = await problem(response, 400, "invalid_request");
      expect(body.errors?.[0]?.in).toBe("path");
      expect((await upstreamCalls(ids.userId)).calls).toBe(0);
    });
  }
});

describe("service routes", () => {
  it("GET /health answers without auth or upstream", async () => {
    const seen = async (id: string) => ((await (await fetch(`${FAKE}/__fake/seen/${id}`)).json()) as { seen: boolean }).seen;
    const response = await api("/health", { headers: { "x-request-id": "health-no-upstream" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    // The browser-hardening headers every answer carries (the card's differ: card.test.ts).
    expect(Object.fromEntries(["x-content-type-options", "x-frame-options", "referrer-policy", "strict-transport-security", "cross-origin-opener-policy"].map((name) => [name, response.headers.get(name)]))).toEqual({
      "x-content-type-options": "nosniff",
      "x-frame-options": "SAMEORIGIN",
      "referrer-policy": "no-referrer",
      "strict-transport-security": "max-age=15552000; includeSubDomains",
      "cross-origin-opener-policy": "same-origin",
    });
    expect(await seen("health-no-upstream")).toBe(false); // nothing reached the fake Podero (or its token endpoint) …
    const ids = newIds();
    await api(listPath(ids), { token: await token(ids), headers: { "x-request-id": "list-does-reach-upstream" } });
    expect(await seen("list-does-reach-upstream")).toBe(true); // … which would have seen it
  });

  it("unknown routes answer a 404 problem", async () => {
    const body = await problem(await api("/v2/nothing"), 404, "route_not_found");
    expect(body.instance).toBe("/v2/nothing");
  });

  it("problem types resolve to their description", async () => {
    const body = await problem(await api("/nope"), 404, "route_not_found");
    const described = (await (await api(body.type)).json()) as Record<string, unknown>;
    expect(described).toMatchObject({ code: "route_not_found", status: 404, title: "No such route" });
    await problem(await api("/problems/not-a-problem"), 404, "route_not_found");
  });

  it("GET /openapi.json is OpenAPI 3.1 with a bearer scheme and every error status of every route", async () => {
    const doc = (await (await api("/openapi.json")).json()) as Record<string, any>;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    const list = doc.paths["/v1/orgs/{org_id}/users/{user_id}/heat-pumps"].get;
    expect(Object.keys(list.responses).sort()).toEqual(["200", "304", "400", "401", "403", "404", "429", "500", "502", "503", "504"]);
    expect(list.security).toEqual([{ bearerAuth: ["heat_pumps:read"] }]);
    // The event catalogue: every event type the webhook worker sends, with its payload and the Standard Webhooks headers.
    expect(Object.keys(doc.webhooks).sort()).toEqual(["heat_pump.action_required", "heat_pump.created", "heat_pump.deleted", "heat_pump.status_changed", "heat_pump.updated", "webhook.test"]);
    const created = doc.webhooks["heat_pump.created"].post;
    expect(created.parameters.map((parameter: { name: string; in: string }) => `${parameter.in}:${parameter.name}`).sort()).toEqual(["header:webhook-id", "header:webhook-signature", "header:webhook-timestamp"]);
    expect(created.requestBody.content["application/json"].schema.properties.data.properties.heat_pump).toEqual({ $ref: "#/components/schemas/HeatPump" });
    // Each operation's security requirement names every scope it needs (docs/auth.md "Scopes").
    expect(doc.paths["/v1/orgs/{org_id}/users/{user_id}/heat-pumps/refresh"].post.security).toEqual([{ bearerAuth: ["heat_pumps:read", "heat_pumps:refresh"] }]);
    expect(doc.paths["/v1/orgs/{org_id}/users/{user_id}/embed-tokens"].post.security).toEqual([{ bearerAuth: ["heat_pumps:read", "embeds:write"] }]);
    expect(doc.paths["/v1/orgs/{org_id}/webhooks"].post.security).toEqual([{ bearerAuth: ["heat_pumps:read", "webhooks:manage"] }]);
    expect(doc.paths["/v1/orgs/{org_id}/webhooks"].get.security).toEqual([{ bearerAuth: ["webhooks:manage"] }]);
    expect(list.responses["401"].content["application/problem+json"]).toBeTruthy();
    expect(Object.keys(doc.paths["/v1/orgs/{org_id}/users/{user_id}/heat-pumps/{heat_pump_id}"].get.responses)).toContain("404");
    expect(doc.paths["/api/partners/v2.0/org/{org_id}/users/{user_id}/heat-pumps"].get.responses["200"]).toBeTruthy();
  });
});

describe("every answer", () => {
  it("echoes a sane x-request-id and replaces an insane one", async () => {
    expect((await api("/health", { headers: { "x-request-id": "abc-123" } })).headers.get("x-request-id")).toBe("abc-123");
    const replaced = (await api("/health", { headers: { "x-request-id": "<script>" } })).headers.get("x-request-id");
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("carries Server-Timing with auth, upstream and total", async () => {
    const ids = await withThree();
    const timing = (await api(listPath(ids), { token: ids.jwt })).headers.get("server-timing") ?? "";
    expect(timing).toMatch(/auth;dur=/);
    expect(timing).toMatch(/cache;dur=/);
    expect(timing).toMatch(/upstream;dur=/);
    expect(timing).toMatch(/total;dur=/);
    // A cache hit asks Podero nothing: no upstream metric then.
    const hit = (await api(listPath(ids), { token: ids.jwt })).headers.get("server-timing") ?? "";
    expect(hit).toMatch(/cache;dur=/);
    expect(hit).not.toMatch(/upstream;dur=/);
  });

  it("a misconfigured edge answers a 500 problem and calls nothing", async () => {
    const ids = newIds();
    const broken = { ...env, PARTNER_ISSUERS: "not json" };
    const request = new Request(`https://edge.example${listPath(ids)}`, { headers: { authorization: `Bearer ${await token(ids)}` } });
    const response = await worker.fetch(request, broken, createExecutionContext());
    await problem(response, 500, "misconfigured");
    expect((await upstreamCalls(ids.userId)).calls).toBe(0);
  });
});
