// Standard Webhooks signatures (https://www.standardwebhooks.com/): `webhook-signature: v1,<base64 HMAC-SHA256>`
// over `<webhook-id>.<webhook-timestamp>.<body>`, keyed by the secret's bytes (`whsec_<base64>`). Web Crypto
// only, so it runs on Workers; checked against the reference implementation (the `standardwebhooks` package).
import { fromBase64, toBase64 } from "../util/base64.ts";

const SECRET_PREFIX = "whsec_";

function secretBytes(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("a webhook secret starts with whsec_");
  return fromBase64(secret.slice(SECRET_PREFIX.length));
}

/** A new signing secret: 32 random bytes, `whsec_`-prefixed base64 (shown to the subscriber once). */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * The three Standard Webhooks headers. Several secrets (during a rotation's grace period) give several
 * space-separated signatures, so a receiver holding either secret verifies the message.
 */
export async function signWebhook(secrets: string[], id: string, timestampSeconds: number, body: string): Promise<SignedHeaders> {
  const content = new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const key = await crypto.subtle.importKey("raw", secretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, content)))}`;
    }),
  );
  return { "webhook-id": id, "webhook-timestamp": String(timestampSeconds), "webhook-signature": signatures.join(" ") };
}
