import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config/config.ts";
import { ProblemError } from "../../src/problems/problem-error.ts";

const BASE = {
  ENVIRONMENT: "production",
  UPSTREAM_BASE_URL: "https://app.podero.com/",
  UPSTREAM_API_TOKEN: "s3cret-token",
  PARTNER_ISSUERS: JSON.stringify([{ issuer: "https://idp.partner.example", jwks_uri: "https://idp.partner.example/jwks.json", orgs: ["6f1c2a3e-5b7d-4c9e-8a1f-2d3e4f5a6b7c"] }]),
};

function failure(env: Record<string, unknown>): string {
  try {
    parseConfig(env);
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    expect(error.code).toBe("misconfigured");
    expect(error.status).toBe(500);
    expect(error.detail).not.toMatch(/s3cret/);
    return String((error.cause as Error).message);
  }
  throw new Error("expected the config to be refused");
}

describe("parseConfig", () => {
  it("reads a production config with defaults", () => {
    const config = parseConfig(BASE);
    expect(config).toMatchObject({
      environment: "production",
      development: false,
      audience: "heat-pump-edge",
      stateStaleAfterSeconds: 3600,
      upstream: { baseUrl: "https://app.podero.com", timeoutMs: 4000, credentials: { kind: "static", token: "s3cret-token" } },
    });
    expect(config.upstream.maxBodyBytes).toBe(5 * 1024 * 1024);
  });

  it("prefers client credentials when both are given", () => {
    const config = parseConfig({ ...BASE, UPSTREAM_CLIENT_ID: "id", UPSTREAM_CLIENT_SECRET: "secret" });
    expect(config.upstream.credentials).toEqual({ kind: "client_credentials", clientId: "id", clientSecret: "secret" });
  });

  it("refuses a config without upstream credentials", () => {
    expect(failure({ ...BASE, UPSTREAM_API_TOKEN: undefined })).toMatch(/credentials/);
    expect(failure({ ...BASE, UPSTREAM_API_TOKEN: undefined, UPSTREAM_CLIENT_ID: "only-id" })).toMatch(/credentials/);
  });

  it("refuses PARTNER_ISSUERS that is not JSON, or an issuer with both or neither key source", () => {
    expect(failure({ ...BASE, PARTNER_ISSUERS: "[{" })).toMatch(/PARTNER_ISSUERS: not valid JSON/);
    expect(failure({ ...BASE, PARTNER_ISSUERS: JSON.stringify([{ issuer: "x", orgs: "*" }]) })).toMatch(/exactly one of jwks_uri or jwks/);
    expect(failure({ ...BASE, PARTNER_ISSUERS: JSON.stringify([{ issuer: "x", jwks_uri: "https://a/j", jwks: { keys: [{}] }, orgs: "*" }]) })).toMatch(/exactly one/);
    expect(failure({ ...BASE, PARTNER_ISSUERS: JSON.stringify([{ issuer: "x", jwks_uri: "https://a/j", orgs: ["not-a-uuid"] }]) })).toMatch(/orgs/);
  });

  it("requires every issuer to name its organisations; trusting one for all must be said outright", () => {
    const partnerA = { issuer: "https://idp.partner-a.example", jwks_uri: "https://idp.partner-a.example/jwks.json", orgs: ["6f1c2a3e-5b7d-4c9e-8a1f-2d3e4f5a6b7c"] };
    const partnerB = { issuer: "https://idp.partner-b.example", jwks_uri: "https://idp.partner-b.example/jwks.json" };
    const message = failure({ ...BASE, PARTNER_ISSUERS: JSON.stringify([partnerA, partnerB]) });
    expect(message).toMatch(/PARTNER_ISSUERS\.1\.orgs \(issuer "https:\/\/idp\.partner-b\.example"\)/);
    expect(message).toMatch(/"\*" for every organisation/);
    for (const orgs of [[], "all", null, ["*"]]) expect(failure({ ...BASE, PARTNER_ISSUERS: JSON.stringify([{ ...partnerB, orgs }]) })).toMatch(/orgs/);
    const everything = parseConfig({ ...BASE, PARTNER_ISSUERS: JSON.stringify([partnerA, { ...partnerB, orgs: "*" }]) });
    expect(everything.issuers.map((issuer) => issuer.orgs)).toEqual([["6f1c2a3e-5b7d-4c9e-8a1f-2d3e4f5a6b7c"], "*"]);
  });

  it("says in its startup log line which issuers act for every organisation", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    try {
      parseConfig({ ...BASE, PARTNER_ISSUERS: JSON.stringify([{ issuer: "https://wide.example", jwks_uri: "https://wide.example/j", orgs: "*" }]) });
    } finally {
      spy.mockRestore();
    }
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { level: "info", message: "partner issuers", issuers: [{ issuer: "https://wide.example", orgs: "* (every organisation)" }] },
    ]);
  });

  it("refuses an issuer listed twice", () => {
    const twice = [{ issuer: "x", jwks_uri: "https://a/j", orgs: "*" }, { issuer: "x", jwks_uri: "https://b/j", orgs: "*" }];
    expect(failure({ ...BASE, PARTNER_ISSUERS: JSON.stringify(twice) })).toMatch(/twice/);
  });

  it("allows plain http upstreams and issuers only in development", () => {
    const local = { UPSTREAM_BASE_URL: "http://127.0.0.1:9000", PARTNER_ISSUERS: JSON.stringify([{ issuer: "dev", jwks_uri: "http://127.0.0.1:9000/jwks", orgs: "*" }]) };
    const message = failure({ ...BASE, ...local });
    expect(message).toMatch(/UPSTREAM_BASE_URL: must be https/);
    expect(message).toMatch(/jwks_uri: must be https/);
    expect(parseConfig({ ...BASE, ...local, ENVIRONMENT: "development" }).development).toBe(true);
    // Without ENVIRONMENT the edge assumes it is deployed.
    expect(failure({ ...BASE, ...local, ENVIRONMENT: undefined })).toMatch(/https/);
  });

  it("refuses out-of-range numbers and non-http URLs", () => {
    expect(failure({ ...BASE, UPSTREAM_TIMEOUT_MS: "0" })).toMatch(/UPSTREAM_TIMEOUT_MS/);
    expect(failure({ ...BASE, UPSTREAM_TIMEOUT_MS: "soon" })).toMatch(/UPSTREAM_TIMEOUT_MS/);
    expect(failure({ ...BASE, UPSTREAM_BASE_URL: "ftp://podero" })).toMatch(/UPSTREAM_BASE_URL/);
  });
});
