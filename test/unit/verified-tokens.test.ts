import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { rememberedPrincipal, rememberPrincipal } from "../../src/auth/verified-tokens.ts";
import { parseConfig } from "../../src/config/config.ts";

const env = { UPSTREAM_BASE_URL: "https://app.podero.com", UPSTREAM_API_TOKEN: "t", PARTNER_ISSUERS: "[]" };
const principal: Principal = { issuer: "i", subject: "s", orgId: "o", userId: undefined, scopes: new Set(["heat_pumps:read"]), issuerOrgs: "*" };
const NOW = 1_800_000_000_000;

describe("verified tokens", () => {
  it("remembers a verified token until it expires", () => {
    const config = parseConfig(env);
    rememberPrincipal(config, "a.b.c", principal, NOW + 30_000, NOW);
    expect(rememberedPrincipal(config, "a.b.c", NOW + 29_999)).toBe(principal);
    expect(rememberedPrincipal(config, "a.b.c", NOW + 30_000)).toBeUndefined();
  });

  it("re-verifies at least once a minute, however long the token lives", () => {
    const config = parseConfig(env);
    rememberPrincipal(config, "long.lived.token", principal, NOW + 24 * 3600_000, NOW);
    expect(rememberedPrincipal(config, "long.lived.token", NOW + 59_999)).toBe(principal);
    expect(rememberedPrincipal(config, "long.lived.token", NOW + 60_000)).toBeUndefined();
  });

  it("keeps configs apart, and knows only the exact token", () => {
    const one = parseConfig(env);
    const other = parseConfig(env);
    rememberPrincipal(one, "a.b.c", principal, NOW + 30_000, NOW);
    expect(rememberedPrincipal(other, "a.b.c", NOW)).toBeUndefined();
    expect(rememberedPrincipal(one, "a.b.C", NOW)).toBeUndefined();
  });
});
