import { describe, expect, it } from "vitest";
import { newEmbedSigningKey, newWebhookSecretsKey } from "../../dev/keys.ts";
import { parseConfig } from "../../src/config/config.ts";
import { embedKeyRing, embedSigningKey } from "../../src/embed/signing-key.ts";
import { openSecret, resealed, sealedWithCurrentKey, sealSecret } from "../../src/webhooks/secret-box.ts";

// `npm run keys` makes keys the workers accept as they are.
describe("npm run keys", () => {
  it("makes an EMBED_SIGNING_KEY the edge signs with, with a kid", async () => {
    const secret = await newEmbedSigningKey(new Date("2026-11-30T00:00:00Z"));
    const config = parseConfig({ ENVIRONMENT: "production", UPSTREAM_BASE_URL: "https://app.podero.com", UPSTREAM_API_TOKEN: "t", PARTNER_ISSUERS: "[]", EMBED_SIGNING_KEY: secret });
    const key = await embedSigningKey(config);
    expect(key.alg).toBe("EdDSA");
    expect(key.kid).toMatch(/^embed-2026-11-30-[0-9a-f]{8}$/);
    expect(key.publicJwk).not.toHaveProperty("d");
  });

  it("makes a WEBHOOK_SECRETS_KEY that seals and opens webhook secrets, a new one each time", async () => {
    const key = newWebhookSecretsKey();
    expect(atob(key)).toHaveLength(32);
    expect(await openSecret(key, await sealSecret(key, "whsec_test"))).toBe("whsec_test");
    expect(newWebhookSecretsKey()).not.toBe(key);
  });
});

// Key rings: both secrets rotate without downtime (docs/configuration.md "Rotating keys").
describe("WEBHOOK_SECRETS_KEY as a key ring", () => {
  const [a, b] = [newWebhookSecretsKey(), newWebhookSecretsKey()];

  it("seals with the first key, naming it; opens with any key in the ring", async () => {
    const underA = await sealSecret(a, "whsec_a");
    expect(underA).toMatch(/^k1\.[0-9a-f]{16}\./);
    expect(await openSecret(`${b},${a}`, underA)).toBe("whsec_a"); // after the rotation starts
    const underB = await sealSecret(`${b},${a}`, "whsec_b");
    expect(await sealedWithCurrentKey(b, underB)).toBe(true);
    expect(await openSecret(b, underB)).toBe("whsec_b");
    await expect(openSecret(a, underB)).rejects.toMatchObject({ code: "misconfigured" });
  });

  it("reseals what an older key sealed, and leaves what the current key sealed", async () => {
    const underA = await sealSecret(a, "whsec_x");
    expect(await resealed(a, underA)).toBe(underA);
    const moved = await resealed(`${b},${a}`, underA);
    expect(moved).not.toBe(underA);
    expect(await openSecret(b, moved)).toBe("whsec_x");
  });

  it("opens secrets sealed before key ids (bare base64) with any key in the ring", async () => {
    const raw = Uint8Array.from(atob(a), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode("whsec_old")));
    const legacy = btoa(String.fromCharCode(...iv, ...sealed));
    expect(await openSecret(`${b},${a}`, legacy)).toBe("whsec_old");
    expect(await sealedWithCurrentKey(`${b},${a}`, legacy)).toBe(false);
  });

  it("refuses a ring with a key that is not 32 bytes", async () => {
    await expect(sealSecret(`${a},c2hvcnQ=`, "x")).rejects.toMatchObject({ code: "misconfigured" });
  });
});

describe("EMBED_SIGNING_KEY as a key ring", () => {
  const settings = (key: string) => parseConfig({ ENVIRONMENT: "production", UPSTREAM_BASE_URL: "https://app.podero.com", UPSTREAM_API_TOKEN: "t", PARTNER_ISSUERS: "[]", EMBED_SIGNING_KEY: key });

  it("signs with the first key and publishes every one (older ones may be public JWKs)", async () => {
    const [fresh, old] = [JSON.parse(await newEmbedSigningKey()) as Record<string, unknown>, JSON.parse(await newEmbedSigningKey()) as Record<string, unknown>];
    const { d: _d, ...oldPublic } = old;
    const ring = await embedKeyRing(settings(JSON.stringify([fresh, oldPublic])));
    expect(ring.signing.kid).toBe(fresh.kid);
    expect(ring.all.map((key) => key.kid)).toEqual([fresh.kid, old.kid]);
    expect(ring.all.every((key) => !("d" in key.publicJwk))).toBe(true);
  });

  it("refuses a public first key and duplicate kids", async () => {
    const key = JSON.parse(await newEmbedSigningKey()) as Record<string, unknown>;
    const { d: _d, ...publicOnly } = key;
    await expect(embedKeyRing(settings(JSON.stringify([publicOnly, key])))).rejects.toMatchObject({ code: "misconfigured" });
    await expect(embedKeyRing(settings(JSON.stringify([key, key])))).rejects.toMatchObject({ code: "misconfigured" });
  });
});
