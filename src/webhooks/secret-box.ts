// Webhook signing secrets are stored encrypted (AES-256-GCM, a fresh 96-bit IV each time) with a key from the
// Worker secret WEBHOOK_SECRETS_KEY, so a leaked database leaks no secret. Stored as base64(iv || ciphertext).
import { MisconfiguredError } from "../problems/errors.ts";
import { fromBase64, toBase64 } from "../util/base64.ts";

async function keyFrom(secret: string | undefined): Promise<CryptoKey> {
  const raw = secret ? fromBase64(secret) : new Uint8Array();
  if (raw.length !== 32) {
    throw new MisconfiguredError("Webhooks are not set up on this edge.", { cause: new Error("WEBHOOK_SECRETS_KEY: must be 32 bytes, base64") });
  }
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}


export async function sealSecret(keySecret: string | undefined, plain: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await keyFrom(keySecret), new TextEncoder().encode(plain)));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

export async function openSecret(keySecret: string | undefined, stored: string): Promise<string> {
  const bytes = fromBase64(stored);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, await keyFrom(keySecret), bytes.slice(12));
  return new TextDecoder().decode(plain);
}
