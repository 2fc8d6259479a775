import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { FAKE, listPath, newIds, problem, scenario, token, upstreamCalls, type Ids } from "./helpers.ts";

// The upstream client with OAuth 2.0 client credentials, set the way an operator sets them (UPSTREAM_CLIENT_ID and
// UPSTREAM_CLIENT_SECRET in the worker's settings), against the fake Podero's /oauth2/token/. Each test has a client
// of its own, so token counts never mix; the cache is off, so every request reaches Podero. Refused credentials open
// the upstream circuit at once (every call would fail), so each test has a circuit of its own.

function settings(clientId: string, clientSecret = "fake-secret") {
  return { UPSTREAM_API_TOKEN: undefined, UPSTREAM_CLIENT_ID: clientId, UPSTREAM_CLIENT_SECRET: clientSecret, CACHE_ENABLED: "false", UPSTREAM_CIRCUIT_NAME: `circuit-${clientId}` };
}

/** A client the fake accepts with secret "fake-secret"; its tokens live 600 s. */
const shortLivedClient = () => `short-lived-${crypto.randomUUID()}`;

async function call(ids: Ids, clientId: string, clientSecret?: string, now = Date.now()) {
  const s = Math.floor(now / 1000);
  const jwt = await token(ids, { claims: { iat: s, exp: s + 300 } });
  const ctx = createExecutionContext();
  const request = new Request(`https://edge.example${listPath(ids)}`, { headers: { authorization: `Bearer ${jwt}` } });
  const response = await worker.fetch(request, { ...env, ...settings(clientId, clientSecret) } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const tokenRequests = async (clientId: string) =>
  ((await (await fetch(`${FAKE}/__fake/oauth/clients/${clientId}`)).json()) as { token_requests: number }).token_requests;

afterEach(() => {
  vi.useRealTimers();
});

describe("upstream OAuth 2.0 client credentials, from the worker's settings", () => {
  it("fetches a token once and reuses it until a minute before it expires", async () => {
    const ids = newIds();
    const client = shortLivedClient();
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: start });
    for (let i = 0; i < 3; i++) expect((await call(ids, client)).status).toBe(200);
    expect(await tokenRequests(client)).toBe(1);
    const first = (await upstreamCalls(ids.userId)).last_headers.authorization;
    expect(first).toMatch(/^Bearer oauth-/);

    vi.setSystemTime(start + (600 - 62) * 1000); // 62 s before the 600 s token expires: still used
    expect((await call(ids, client, undefined, Date.now())).status).toBe(200);
    expect(await tokenRequests(client)).toBe(1);
    expect((await upstreamCalls(ids.userId)).last_headers.authorization).toBe(first);

    vi.setSystemTime(start + (600 - 58) * 1000); // within the last minute: renewed before Podero could refuse it
    expect((await call(ids, client, undefined, Date.now())).status).toBe(200);
    expect(await tokenRequests(client)).toBe(2);
    expect((await upstreamCalls(ids.userId)).last_headers.authorization).not.toBe(first);
  });

  it("renews the token once when the upstream answers 401", async () => {
    const ids = newIds();
    const client = shortLivedClient();
    expect((await call(ids, client)).status).toBe(200);
    await fetch(`${FAKE}/__fake/oauth/revoke`, { method: "POST" });
    const response = await call(ids, client);
    expect(response.status).toBe(200);
    expect(await tokenRequests(client)).toBe(2);
    expect((await upstreamCalls(ids.userId)).calls).toBe(3); // the refused call and its retry with the new token
  });

  it("renews only once: a second 401 is the edge's credentials problem (502)", async () => {
    const ids = newIds();
    const client = shortLivedClient();
    await scenario(ids.userId, { queue: [{ status: 401, json: { detail: "Invalid token." } }, { status: 401, json: { detail: "Invalid token." } }] });
    await problem(await call(ids, client), 502, "upstream_auth_failed");
    expect(await tokenRequests(client)).toBe(2);
    expect((await upstreamCalls(ids.userId)).calls).toBe(2);
  });

  it("maps refused client credentials to 502, without the secret in the answer", async () => {
    const client = `unknown-${crypto.randomUUID()}`;
    const response = await call(newIds(), client, "wrong-secret-value");
    const body = await problem(response.clone(), 502, "upstream_auth_failed");
    expect(JSON.stringify(body)).not.toMatch(/wrong-secret-value/);
  });
});
