import { describe, expect, it } from "vitest";
import { authorize } from "../../src/auth/authorize.ts";
import type { Principal } from "../../src/auth/principal.ts";
import { ProblemError } from "../../src/problems/problem-error.ts";

const ORG = "6f1c2a3e-5b7d-4c9e-8a1f-2d3e4f5a6b7c";
const USER = "0b9d8c7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e";
const OTHER = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  issuer: "https://idp.example",
  subject: "app",
  orgId: ORG,
  userId: undefined,
  scopes: new Set(["heat_pumps:read"]),
  issuerOrgs: "*",
  ...overrides,
});

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    return { status: error.status, code: error.code, challenge: error.headers["www-authenticate"] };
  }
  throw new Error("expected a refusal");
}

describe("authorize", () => {
  it("grants the organisation's users, case-insensitively", () => {
    const grant = authorize(principal(), { orgId: ORG.toUpperCase(), userId: USER.toUpperCase() });
    expect(grant).toMatchObject({ orgId: ORG, userId: USER, ownersVisible: false });
  });

  it("shows owners only with owners:read", () => {
    expect(authorize(principal({ scopes: new Set(["heat_pumps:read", "owners:read"]) }), { orgId: ORG, userId: USER }).ownersVisible).toBe(true);
  });

  it("refuses another organisation with insufficient_scope (RFC 6750)", () => {
    expect(refusal(() => authorize(principal(), { orgId: OTHER, userId: USER }))).toEqual({
      status: 403,
      code: "forbidden_organisation",
      challenge: 'Bearer realm="heat-pump-edge", error="insufficient_scope", scope="heat_pumps:read"',
    });
  });

  it("refuses an organisation the issuer may not act for, even when the claim matches", () => {
    expect(refusal(() => authorize(principal({ issuerOrgs: [OTHER] }), { orgId: ORG, userId: USER })).code).toBe("forbidden_organisation");
    expect(authorize(principal({ issuerOrgs: [ORG] }), { orgId: ORG, userId: USER }).orgId).toBe(ORG);
  });

  it("limits a token with a user_id claim to that user", () => {
    expect(refusal(() => authorize(principal({ userId: OTHER }), { orgId: ORG, userId: USER })).code).toBe("forbidden_user");
    expect(authorize(principal({ userId: USER }), { orgId: ORG, userId: USER }).userId).toBe(USER);
  });

  it("requires the scope", () => {
    expect(refusal(() => authorize(principal({ scopes: new Set(["owners:read", "heat_pumps:readx"]) }), { orgId: ORG, userId: USER })).code).toBe("insufficient_scope");
  });
});
