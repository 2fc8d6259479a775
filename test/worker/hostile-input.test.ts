import { describe, expect, it } from "vitest";
import { api, listPath, newIds, problem, token, type Ids } from "./helpers.ts";

// Requests a careless or hostile client sends: never a 500, always a problem that says what is wrong.
const ALL_SCOPES = { claims: { scope: "heat_pumps:read heat_pumps:refresh embeds:write webhooks:manage owners:read" } };

/** Every route that takes a JSON body, with a path for a fresh organisation and user. */
async function bodyRoutes(ids: Ids): Promise<{ method: string; path: string }[]> {
  const jwt = await token(ids, ALL_SCOPES);
  const created = await api(`/v1/orgs/${ids.orgId}/webhooks`, {
    method: "POST",
    token: jwt,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: "https://hooks.partner.example/x" }),
  });
  const { id } = (await created.json()) as { id: string };
  return [
    { method: "POST", path: listPath(ids).replace(/heat-pumps$/, "embed-tokens") },
    { method: "POST", path: `/v1/orgs/${ids.orgId}/webhooks` },
    { method: "PATCH", path: `/v1/orgs/${ids.orgId}/webhooks/${id}` },
  ];
}

const MALFORMED: [string, string | undefined, string][] = [
  ["a truncated object", "application/json", "{"],
  ["not JSON at all", "application/json", "url=https://x"],
  ["JSON sent as text/plain", "text/plain", '{"url":"https://hooks.partner.example/x"}'],
  ["JSON sent as a form", "application/x-www-form-urlencoded", '{"url":"https://hooks.partner.example/x"}'],
  ["an array", "application/json", "[]"],
  ["a string", "application/json", '"hello"'],
  ["null", "application/json", "null"],
  ["a number", "application/json", "42"],
  ["a JSON body without a content type", undefined, '{"url":"https://hooks.partner.example/x"}'],
];

describe("malformed request bodies", () => {
  it("are a 400 invalid_request naming the body on every POST/PATCH, never a 500", async () => {
    const ids = newIds();
    const jwt = await token(ids, ALL_SCOPES);
    const routes = await bodyRoutes(ids);
    for (const { method, path } of routes) {
      for (const [name, contentType, body] of MALFORMED) {
        const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
        const response = await api(path, { method, token: jwt, headers, body });
        const label = `${method} ${path} with ${name}`;
        if (response.status !== 400) throw new Error(`${label}: ${response.status} ${await response.text()}`);
        const answer = await problem(response, 400, "invalid_request");
        expect(answer.errors?.[0]?.in, label).toBe("body");
      }
    }
  });

  it("a body over 64 KiB is a 413 problem, before anything parses it", async () => {
    const ids = newIds();
    const response = await api(`/v1/orgs/${ids.orgId}/webhooks`, {
      method: "POST",
      token: await token(ids, ALL_SCOPES),
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: "https://hooks.partner.example/x", description: "x".repeat(70_000) }),
    });
    await problem(response, 413, "payload_too_large");
  });
});

describe("a known path with a method it does not have", () => {
  const cases: [string, string, (ids: Ids) => string, string][] = [
    ["DELETE", "the heat-pump list", (ids) => listPath(ids), "GET, HEAD"],
    ["PUT", "one heat pump", (ids) => `${listPath(ids)}/${crypto.randomUUID()}`, "GET, HEAD"],
    ["GET", "rotate-secret", (ids) => `/v1/orgs/${ids.orgId}/webhooks/wh_${crypto.randomUUID()}/rotate-secret`, "POST"],
    ["POST", "/health", () => "/health", "GET, HEAD"],
    ["DELETE", "/openapi.json", () => "/openapi.json", "GET, HEAD"],
    ["PATCH", "the watch", (ids) => `/v1/orgs/${ids.orgId}/users/${ids.userId}/watch`, "DELETE, PUT"],
    ["PUT", "the subscription list", (ids) => `/v1/orgs/${ids.orgId}/webhooks`, "GET, HEAD, POST"],
    ["POST", "the card", () => "/embed/heat-pumps", "GET, HEAD"],
  ];
  for (const [method, name, path, allow] of cases) {
    it(`${method} on ${name} is a 405 with Allow: ${allow}, with or without a token`, async () => {
      const ids = newIds();
      for (const jwt of [undefined, await token(ids)]) {
        const response = await api(path(ids), { method, token: jwt });
        expect(response.headers.get("allow")).toBe(allow);
        await problem(response, 405, "method_not_allowed");
      }
    });
  }

  it("an unknown path is still a 404", async () => {
    await problem(await api("/v2/nothing"), 404, "route_not_found");
  });
});
