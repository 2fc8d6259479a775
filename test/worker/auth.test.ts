import { base64url, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ISSUERS, LIMITED_ORG_ID } from "../support/bindings.ts";
import { api, jwksRequests, listPath, newIds, problem, publicJwks, token, type Ids } from "./helpers.ts";

const now = () => Math.floor(Date.now() / 1000);
const encode = (value: object) => base64url.encode(JSON.stringify(value));

async function expectInvalidToken(ids: Ids, jwt: string, detail: RegExp) {
  const response = await api(listPath(ids), { token: jwt });
  const body = await problem(response, 401, "invalid_token");
  expect(body.detail).toMatch(detail);
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="heat-pump-edge", error="invalid_token"/);
}

async function expectForbidden(ids: Ids, jwt: string, code: string) {
  const response = await api(listPath(ids), { token: jwt });
  await problem(response, 403, code);
  expect(response.headers.get("www-authenticate")).toBe('Bearer realm="heat-pump-edge", error="insufficient_scope", scope="heat_pumps:read"');
}

describe("valid partner tokens", () => {
  for (const alg of ["ES256", "RS256", "PS256", "EdDSA"] as const) {
    it(`accepts ${alg} from a remote JWKS`, async () => {
      const ids = newIds();
      expect((await api(listPath(ids), { token: await token(ids, { alg }) })).status).toBe(200);
    });
  }

  it("accepts a token from an issuer configured with an inline JWKS", async () => {
    const ids = newIds();
    expect((await api(listPath(ids), { token: await token(ids, { issuer: ISSUERS.b, alg: "EdDSA" }) })).status).toBe(200);
  });

  it("accepts an expiry within the 60 s clock tolerance", async () => {
    const ids = newIds();
    expect((await api(listPath(ids), { token: await token(ids, { claims: { exp: now() - 30 } }) })).status).toBe(200);
  });

  it("accepts org and user ids in any letter case", async () => {
    const ids = newIds();
    const jwt = await token(ids, { claims: { org_id: ids.orgId.toUpperCase(), user_id: ids.userId.toUpperCase() } });
    expect((await api(listPath(ids), { token: jwt })).status).toBe(200);
  });

  it("lets a limited issuer act for its own organisation only", async () => {
    const own = { orgId: LIMITED_ORG_ID, userId: crypto.randomUUID() };
    expect((await api(listPath(own), { token: await token(own, { issuer: ISSUERS.limited }) })).status).toBe(200);
    const other = newIds();
    await expectForbidden(other, await token(other, { issuer: ISSUERS.limited }), "forbidden_organisation");
  });
});

describe("hostile tokens", () => {
  it("refuses a request without a token (RFC 6750: no error code)", async () => {
    const response = await api(listPath(newIds()));
    await problem(response, 401, "missing_token");
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="heat-pump-edge"');
  });

  it("refuses a non-Bearer Authorization header", async () => {
    const response = await api(listPath(newIds()), { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    await problem(response, 401, "invalid_token");
  });

  it("refuses garbage", async () => {
    await expectInvalidToken(newIds(), "not.a.jwt", /well-formed/);
  });

  it('refuses alg "none"', async () => {
    const ids = newIds();
    const unsigned = `${encode({ alg: "none", typ: "JWT" })}.${encode({ iss: ISSUERS.a, aud: "heat-pump-edge", exp: now() + 300, org_id: ids.orgId, scope: "heat_pumps:read" })}.`;
    await expectInvalidToken(ids, unsigned, /Algorithm none is not accepted/);
  });

  it("refuses HS256 signed with the issuer's public key (algorithm confusion)", async () => {
    const ids = newIds();
    const publicKey = (await publicJwks("partner-a")).keys.find((key) => key.kty === "RSA")!;
    const forged = await new SignJWT({ org_id: ids.orgId, scope: "heat_pumps:read" })
      .setProtectedHeader({ alg: "HS256", kid: "partner-a-rs256-1" })
      .setIssuer(ISSUERS.a)
      .setAudience("heat-pump-edge")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(publicKey)));
    await expectInvalidToken(ids, forged, /Algorithm HS256 is not accepted/);
  });

  it("refuses an expired token", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { claims: { exp: now() - 120 } }), /expired/);
  });

  it("refuses a token that is not valid yet (nbf in the future)", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { claims: { nbf: now() + 600 } }), /nbf/);
  });

  it("refuses a token without exp", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { claims: { exp: undefined } }), /exp/);
  });

  it("refuses a token from an untrusted issuer", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { issuer: "https://evil.example", signer: "partner-a" }), /issuer is not trusted/);
  });

  it("refuses a token for another audience", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { claims: { aud: "another-api" } }), /"aud"/);
  });

  it("refuses a trusted issuer's name signed by an untrusted key", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { signer: "attacker" }), /No key/);
  });

  it("refuses an untrusted key that claims a trusted key's kid", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { signer: "attacker", header: { kid: "partner-a-es256-1" } }), /signature/);
  });

  it("refuses one trusted issuer's key used for another trusted issuer, both ways", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { issuer: ISSUERS.b, signer: "partner-a" }), /No key/);
    await expectInvalidToken(ids, await token(ids, { issuer: ISSUERS.a, signer: "partner-b" }), /No key/);
  });

  it("refuses a token that carries its own key in a jwk header", async () => {
    const ids = newIds();
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ org_id: ids.orgId, scope: "heat_pumps:read" })
      .setProtectedHeader({ alg: "ES256", jwk: await exportJWK(publicKey) })
      .setIssuer(ISSUERS.a)
      .setAudience("heat-pump-edge")
      .setExpirationTime("5m")
      .sign(privateKey);
    await expectInvalidToken(ids, forged, /"jwk" header/);
  });

  it("refuses jku and x5u headers even on a correctly signed token", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { header: { jku: "https://evil.example/jwks.json" } }), /"jku" header/);
    await expectInvalidToken(ids, await token(ids, { header: { x5u: "https://evil.example/cert.pem" } }), /"x5u" header/);
  });

  it("refuses a tampered payload", async () => {
    const ids = newIds();
    const other = newIds();
    const [header, , signature] = (await token(ids)).split(".");
    const tampered = `${header}.${encode({ iss: ISSUERS.a, aud: "heat-pump-edge", exp: now() + 300, org_id: other.orgId, scope: "heat_pumps:read owners:read" })}.${signature}`;
    await expectInvalidToken(other, tampered, /signature/);
  });

  it("refuses an oversized token before parsing it", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { claims: { padding: "x".repeat(9000) } }), /larger/);
  });

  it("refuses a token without an org_id claim", async () => {
    const ids = newIds();
    await expectInvalidToken(ids, await token(ids, { claims: { org_id: undefined } }), /org_id/);
  });

  it("forbids another organisation", async () => {
    const ids = newIds();
    await expectForbidden(ids, await token({ ...ids, orgId: crypto.randomUUID() }), "forbidden_organisation");
  });

  it("forbids a token without the heat_pumps:read scope", async () => {
    const ids = newIds();
    const response = await api(listPath(ids), { token: await token(ids, { claims: { scope: "owners:read embeds:write" } }) });
    const body = await problem(response, 403, "insufficient_scope");
    expect(body.required_scope).toBe("heat_pumps:read");
  });

  it("forbids another user when the token is limited to one", async () => {
    const ids = newIds();
    await expectForbidden(ids, await token(ids, { claims: { user_id: crypto.randomUUID() } }), "forbidden_user");
  });
});

describe("issuer keys", () => {
  it("fetches a JWKS once per isolate, and a flood of unknown kids cannot make it hammer the issuer", async () => {
    const ids = newIds();
    const before = await jwksRequests("counted");
    for (let i = 0; i < 10; i++) {
      expect((await api(listPath(ids), { token: await token(ids, { issuer: ISSUERS.counted }) })).status).toBe(200);
    }
    expect((await jwksRequests("counted")) - before).toBe(1);
    for (let i = 0; i < 20; i++) {
      const forged = await token(ids, { issuer: ISSUERS.counted, signer: "attacker", header: { kid: `made-up-${i}` } });
      expect((await api(listPath(ids), { token: forged })).status).toBe(401);
    }
    // At most one refetch within the cooldown, however many unknown kids arrive.
    expect((await jwksRequests("counted")) - before).toBeLessThanOrEqual(2);
  });
});

describe("logging", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line per request without the token or personal data", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const ids = newIds();
    const jwt = await token(ids, { claims: { scope: "heat_pumps:read owners:read" } });
    const response = await api(listPath(ids), { token: jwt, headers: { "x-request-id": "req-123" } });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toMatch(/Mustermann/); // the answer has personal data (owners:read) …
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ request_id: "req-123", status: 200, org_id: ids.orgId, upstream_status: 200, route: "/v1/orgs/:org_id/users/:user_id/heat-pumps" });
    expect(lines[0]).not.toContain(jwt.split(".")[2]); // … the log line has neither it nor the token
    expect(lines[0]).not.toMatch(/Mustermann|erika|fake-upstream-token|Bearer/i);
  });
});
