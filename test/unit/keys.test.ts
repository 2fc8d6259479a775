import { describe, expect, it } from "vitest";
import { newEmbedSigningKey, newWebhookSecretsKey } from "../../dev/keys.ts";
import { parseConfig } from "../../src/config/config.ts";
import { embedSigningKey } from "../../src/embed/signing-key.ts";
import { openSecret, sealSecret } from "../../src/webhooks/secret-box.ts";

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
