import { describe, expect, it } from "vitest";
import { authorize } from "../../src/auth/authorize.ts";
import type { EdgeConfig } from "../../src/config/config.ts";
import { ProblemError } from "../../src/problems/problem-error.ts";
import { fetchUserHeatPumps } from "../../src/upstream/client.ts";
import { FAKE, newIds, scenario, upstreamCalls } from "./helpers.ts";

// The upstream client with OAuth 2.0 client credentials, against the fake Podero's /oauth2/token/.
// Called directly (inside workerd, over real HTTP), since the worker under test runs with a static token.

function upstreamConfig(clientSecret = "fake-secret", clientId = "fake-client"): EdgeConfig["upstream"] {
  const circuit = { name: "oauth-test", windowSeconds: 30, minCalls: 20, failureRatio: 0.5, cooldownSeconds: 30, probes: 3, probeTimeoutSeconds: 9 };
  return { baseUrl: FAKE, timeoutMs: 2000, maxBodyBytes: 1 << 20, credentials: { kind: "client_credentials", clientId, clientSecret }, circuit };
}

function grantFor(ids: { orgId: string; userId: string }) {
  return authorize({ issuer: "test", subject: undefined, orgId: ids.orgId, userId: undefined, scopes: new Set(["heat_pumps:read"]), issuerOrgs: "*" }, ids);
}

const call = () => ({ requestId: "oauth-test", traceparent: undefined, observed: {} });
const tokenRequests = async () => ((await (await fetch(`${FAKE}/__fake/oauth`)).json()) as { token_requests: number }).token_requests;

async function failure(run: () => Promise<unknown>): Promise<ProblemError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error("expected a problem");
}

describe("upstream OAuth 2.0 client credentials", () => {
  it("fetches a token once and reuses it", async () => {
    const ids = newIds();
    const before = await tokenRequests();
    for (let i = 0; i < 3; i++) {
      expect((await fetchUserHeatPumps(upstreamConfig(), grantFor(ids), call())).items.length).toBeGreaterThan(0);
    }
    expect((await tokenRequests()) - before).toBe(1);
    expect((await upstreamCalls(ids.userId)).last_headers.authorization).toMatch(/^Bearer oauth-/);
  });

  it("renews the token once when the upstream answers 401", async () => {
    const ids = newIds();
    await fetchUserHeatPumps(upstreamConfig(), grantFor(ids), call());
    const before = await tokenRequests();
    await fetch(`${FAKE}/__fake/oauth/revoke`, { method: "POST" });
    const observed: { upstream_attempts?: number } = {};
    const list = await fetchUserHeatPumps(upstreamConfig(), grantFor(ids), { ...call(), observed });
    expect(list.items.length).toBeGreaterThan(0);
    expect((await tokenRequests()) - before).toBe(1);
    expect(observed.upstream_attempts).toBe(2);
  });

  it("renews only once: a second 401 is the edge's credentials problem (502)", async () => {
    const ids = newIds();
    await scenario(ids.userId, { queue: [{ status: 401, json: { detail: "Invalid token." } }, { status: 401, json: { detail: "Invalid token." } }] });
    const before = await tokenRequests();
    const error = await failure(() => fetchUserHeatPumps(upstreamConfig(), grantFor(ids), call()));
    expect([error.status, error.code]).toEqual([502, "upstream_auth_failed"]);
    expect((await tokenRequests()) - before).toBe(1);
    expect((await upstreamCalls(ids.userId)).calls).toBe(2);
  });

  it("maps refused client credentials to 502, without the secret in the answer", async () => {
    const error = await failure(() => fetchUserHeatPumps(upstreamConfig("wrong-secret", "other-client"), grantFor(newIds()), call()));
    expect([error.status, error.code]).toEqual([502, "upstream_auth_failed"]);
    expect(JSON.stringify({ detail: error.detail, ...error.extensions })).not.toMatch(/wrong-secret/);
  });
});
