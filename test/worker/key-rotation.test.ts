import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { advanceClock, FAKE, listPath, newIds, problem, token, type Ids } from "./helpers.ts";

// The identity provider rotates its keys: the new key works once the key set may be refetched (the cooldown), the
// withdrawn one is refused once the fetched set is older than PARTNER_JWKS_MAX_AGE_SECONDS (docs/auth.md: two minutes
// with the default 60 s, a remembered token's 60 s included). Here with a 2 s max age (1 s cooldown).


function issuerSettings() {
  const name = `rot-${crypto.randomUUID().slice(0, 8)}`;
  const issuer = `https://${name}.example`;
  const settings = { PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks_uri: `${FAKE}/__idp/${name}/jwks.json`, orgs: "*" }]), PARTNER_JWKS_MAX_AGE_SECONDS: "2" };
  // One settings object for the whole test, as one isolate has: its key sets live with it.
  const isolateEnv = { ...env, ...settings } as typeof env;
  const read = async (ids: Ids, jwt: string) => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`https://edge.example${listPath(ids)}`, { headers: { authorization: `Bearer ${jwt}` } }), isolateEnv, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  return { name, issuer, read, rotate: () => fetch(`${FAKE}/__idp/${name}/rotate`, { method: "POST" }) };
}

describe("key rotation and withdrawal at the issuer", () => {
  it("honours a new key once an unknown kid may refetch the key set (the cooldown)", async () => {
    const { name, issuer, read, rotate } = issuerSettings();
    const ids = newIds();
    expect((await read(ids, await token(ids, { issuer, signer: name }))).status).toBe(200); // the key set is fetched now
    await rotate();
    const after = await token(ids, { issuer, signer: name });
    advanceClock(1100); // past the 1 s cooldown
    expect((await read(ids, after)).status).toBe(200);
  });

  it("refuses a withdrawn key once the fetched key set is older than its max age, not before", async () => {
    const { name, issuer, read, rotate } = issuerSettings();
    const ids = newIds();
    const [first, second] = [await token(ids, { issuer, signer: name, claims: { jti: "1" } }), await token(ids, { issuer, signer: name, claims: { jti: "2" } })];
    const third = await token(ids, { issuer, signer: name, claims: { jti: "3" } });
    expect((await read(ids, first)).status).toBe(200); // fetched now
    await rotate(); // the issuer withdraws the key these tokens were signed with
    expect((await read(ids, second)).status).toBe(200); // still within the fetched set's max age
    advanceClock(2100);
    const refused = await problem(await read(ids, third), 401, "invalid_token"); // refetched: the key is gone
    expect(refused.detail).toMatch(/No key published/);
  });
});
