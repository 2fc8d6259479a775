import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import worker from "../../src/index.ts";
import { ISSUERS } from "../support/bindings.ts";
import { signEmbedToken } from "../support/embed-tokens.ts";
import { advanceClock, api, exchangeEmbedToken, listPath, newIds, problem, scenario, token, type Ids } from "./helpers.ts";

const PAGE = "https://app.partner.example";

const exchange = exchangeEmbedToken;

async function embedToken(ids: Ids, body: Record<string, unknown> = { origins: [PAGE] }): Promise<string> {
  const response = await exchange(ids, body);
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

const widget = (init: RequestInit & { token?: string; query?: string } = {}) => api(`/v1/embed/heat-pumps${init.query ?? ""}`, init);

describe("POST …/embed-tokens", () => {
  it("needs embeds:write", async () => {
    const ids = newIds();
    const body = await problem(await exchange(ids, { origins: [PAGE] }, await token(ids)), 403, "insufficient_scope");
    expect(body.required_scope).toBe("embeds:write");
  });

  it("answers a short-lived, explicitly typed embed token bound to org, user and origins", async () => {
    const ids = newIds();
    const response = await exchange(ids, { origins: [PAGE, "https://shop.partner.example/"], ttl_seconds: 900 });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { token: string; expires_at: string; origins: string[]; token_type: string };
    expect(body.origins).toEqual([PAGE, "https://shop.partner.example"]);
    expect(decodeProtectedHeader(body.token)).toMatchObject({ typ: "embed+jwt", alg: "EdDSA" });
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({ iss: "heat-pump-edge", aud: "heat-pump-edge:embed", org_id: ids.orgId, user_id: ids.userId, origins: body.origins, scope: "heat_pumps:read" });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(Date.parse(body.expires_at)).toBe(claims.exp! * 1000);
  });

  it("defaults to 10 minutes and refuses lifetimes outside 60 s – 1 h", async () => {
    const ids = newIds();
    const claims = decodeJwt(await embedToken(ids));
    expect(claims.exp! - claims.iat!).toBe(600);
    for (const ttl of [59, 3601, 1.5]) {
      const body = await problem(await exchange(ids, { origins: [PAGE], ttl_seconds: ttl }), 400, "invalid_request");
      expect(body.errors?.[0]).toMatchObject({ in: "body", name: "ttl_seconds" });
    }
  });

  it("validates every origin and names the bad ones", async () => {
    const ids = newIds();
    const body = await problem(await exchange(ids, { origins: [PAGE, "https://*.partner.example", "https://app.partner.example/widget"] }), 400, "invalid_request");
    expect(body.errors?.map((error) => error.name)).toEqual(["origins.1", "origins.2"]);
    await problem(await exchange(ids, { origins: [] }), 400, "invalid_request");
    await problem(await exchange(ids, { origins: Array(11).fill(PAGE) }), 400, "invalid_request");
  });

  it("binds to a heat pump the user has, and refuses one the user has not", async () => {
    const ids = newIds();
    const one = heatPump({}, "bound-one");
    const two = heatPump({}, "bound-two");
    await scenario(ids.userId, { items: [one, two] });
    const bound = await embedToken(ids, { origins: [PAGE], heat_pump_id: String(two.id).toUpperCase() });
    expect(decodeJwt(bound).heat_pump_id).toBe(two.id);
    const { data } = (await (await widget({ token: bound })).json()) as { data: { id: string }[] };
    expect(data.map((hp) => hp.id)).toEqual([two.id]);
    await problem(await exchange(ids, { origins: [PAGE], heat_pump_id: crypto.randomUUID() }), 404, "heat_pump_not_found");
  });

  it("is refused for another organisation or user", async () => {
    const ids = newIds();
    const other = { ...ids, orgId: crypto.randomUUID() };
    await problem(await exchange(other, { origins: [PAGE] }, await token(ids, { claims: { scope: "heat_pumps:read embeds:write" } })), 403, "forbidden_organisation");
  });
});

describe("GET /v1/embed/heat-pumps", () => {
  it("answers the compact view of the token's user, by header or ?token=", async () => {
    const ids = newIds();
    await scenario(ids.userId, { items: [heatPump({}, "w1"), heatPump({ monitoring_status: "warning" }, "w2")] });
    const embed = await embedToken(ids);
    for (const response of [await widget({ token: embed }), await widget({ query: `?token=${embed}` })]) {
      expect(response.status).toBe(200);
      const { data, meta } = (await response.json()) as { data: Record<string, unknown>[]; meta: { view: string } };
      expect(meta.view).toBe("compact");
      expect(data.map((hp) => hp.status)).toEqual(["ok", "warning"]);
      expect(JSON.stringify(data)).not.toMatch(/Mustermann|erika|https?:/i);
    }
  });

  it("refuses a partner token, and the partner routes refuse an embed token", async () => {
    const ids = newIds();
    const partner = await token(ids);
    const partnerRefused = await problem(await widget({ token: partner }), 401, "invalid_token");
    expect(partnerRefused.detail).toMatch(/not an embed token/);
    const embed = await embedToken(ids);
    const embedRefused = await problem(await api(listPath(ids), { token: embed }), 401, "invalid_token");
    expect(embedRefused.detail).toMatch(/embed token is not a partner token/);
    await problem(await exchange(ids, { origins: [PAGE] }, embed), 401, "invalid_token");
  });

  it("remembers a verified embed token no longer than it lives: refused once it expired", async () => {
    const ids = newIds();
    const embed = await embedToken(ids, { origins: [PAGE], ttl_seconds: 60 });
    expect((await widget({ token: embed })).status).toBe(200); // verified and remembered
    expect((await widget({ token: embed })).status).toBe(200);
    advanceClock(61_000); // past its expiry
    expect((await problem(await widget({ token: embed }), 401, "invalid_token")).detail).toMatch(/expired/);
  });

  it("refuses an expired, a tampered and a foreign-signed embed token", async () => {
    const ids = newIds();
    const key = JSON.parse(inject("embedSigningKey")) as JWK;
    const expired = await signEmbedToken(key, { org_id: ids.orgId, user_id: ids.userId, origins: [PAGE] }, 700, -100);
    expect((await problem(await widget({ token: expired }), 401, "invalid_token")).detail).toMatch(/expired/);

    const [header, , signature] = (await embedToken(ids)).split(".");
    const otherUser = btoa(JSON.stringify({ ...decodeJwt(await embedToken(ids)), user_id: crypto.randomUUID() })).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
    await problem(await widget({ token: `${header}.${otherUser}.${signature}` }), 401, "invalid_token");

    const forged = await token(ids, { header: { typ: "embed+jwt" }, claims: { iss: "heat-pump-edge", aud: "heat-pump-edge:embed", user_id: ids.userId, origins: [PAGE] } });
    await problem(await widget({ token: forged }), 401, "invalid_token");
  });

  it("answers CORS only for the token's origins, never with credentials", async () => {
    const ids = newIds();
    const embed = await embedToken(ids);
    const allowed = await widget({ token: embed, headers: { origin: PAGE } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(allowed.headers.get("vary")).toMatch(/Origin/);
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    expect(allowed.headers.get("access-control-expose-headers")).toMatch(/etag/);

    const refused = await widget({ token: embed, headers: { origin: "https://evil.example" } });
    await problem(refused, 403, "origin_not_allowed");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("handles preflight: checked when the token is in the URL, GET only", async () => {
    const ids = newIds();
    const embed = await embedToken(ids);
    const preflight = (origin: string, query = "") =>
      widget({ method: "OPTIONS", query, headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
    const ok = await preflight(PAGE, `?token=${embed}`);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(ok.headers.get("access-control-allow-methods")).toBe("GET");
    expect(ok.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    const foreign = await preflight("https://evil.example", `?token=${embed}`);
    expect(foreign.status).toBe(204);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull(); // the browser refuses the real request
    const withoutToken = await preflight(PAGE);
    expect(withoutToken.status).toBe(204);
    expect(withoutToken.headers.get("access-control-allow-origin")).toBe(PAGE); // answered for GET; the request itself is checked
    const nullOrigin = await preflight("null", `?token=${embed}`);
    expect(nullOrigin.headers.get("access-control-allow-origin")).toBeNull();
    // A preflight for another method (with or without a token) is told GET only: the browser refuses the real request.
    for (const query of [`?token=${embed}`, ""]) {
      for (const method of ["DELETE", "POST", "PUT"]) {
        const other = await widget({ method: "OPTIONS", query, headers: { origin: PAGE, "access-control-request-method": method } });
        expect(other.status).toBe(204);
        expect(other.headers.get("access-control-allow-methods")).toBe("GET");
      }
    }
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public half of the embed key, which verifies embed tokens", async () => {
    const response = await api("/.well-known/jwks.json");
    const jwks = (await response.json()) as { keys: JWK[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", kid: "embed-test-1" });
    const ids = newIds();
    const { payload } = await jwtVerify(await embedToken(ids), createLocalJWKSet(jwks), { audience: "heat-pump-edge:embed", issuer: "heat-pump-edge" });
    expect(payload.user_id).toBe(ids.userId);
  });
});

describe("embed tokens follow PARTNER_ISSUERS in force now", () => {
  const fetchWith = (settings: Record<string, unknown>, path: string) =>
    worker.fetch(new Request(`https://edge.example${path}`), { ...env, ...settings } as typeof env, createExecutionContext());

  it("stop working once the issuer whose token made them is removed (widget data and card)", async () => {
    const ids = newIds();
    const embed = await embedToken(ids);
    expect(decodeJwt(embed).partner_iss).toBe(ISSUERS.a);
    const withoutA = JSON.stringify((JSON.parse(env.PARTNER_ISSUERS) as { issuer: string }[]).filter((entry) => entry.issuer !== ISSUERS.a));
    const widgetPath = `/v1/embed/heat-pumps?token=${encodeURIComponent(embed)}`;
    expect((await fetchWith({}, widgetPath)).status).toBe(200);
    const refused = await fetchWith({ PARTNER_ISSUERS: withoutA }, widgetPath);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/may no longer act/);
    expect((await fetchWith({ PARTNER_ISSUERS: withoutA }, `/embed/heat-pumps?token=${encodeURIComponent(embed)}`)).status).toBe(401);
  });

  it("without an embed signing key, embedding is off: a 404 embedding_disabled problem, never a 500", async () => {
    const ids = newIds();
    for (const path of ["/v1/embed/heat-pumps?token=x", "/embed/heat-pumps?token=x&part=cards", `/v1/embed/heat-pumps?token=${encodeURIComponent(await embedToken(ids))}`]) {
      const response = await fetchWith({ EMBED_SIGNING_KEY: undefined }, path);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe("embedding_disabled");
    }
  });
});
