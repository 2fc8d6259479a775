// New secrets for a deployment, as the workers expect them (used by `npm run keys` and `npm start`).
import { exportJWK, generateKeyPair } from "jose";
/** A private Ed25519 JWK with a dated `kid`, as EMBED_SIGNING_KEY expects. */
export async function newEmbedSigningKey(now = new Date()): Promise<string> {
  const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid: `embed-${now.toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`, alg: "EdDSA" });
}

/** 32 random bytes, base64: the AES-GCM key that seals webhook signing secrets at rest. */
export function newWebhookSecretsKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}
