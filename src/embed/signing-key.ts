import { importJWK, type CryptoKey, type JWK } from "jose";
import type { EdgeConfig } from "../config/config.ts";
import { EmbeddingDisabledError, MisconfiguredError } from "../problems/errors.ts";

/** The edge's own key for embed tokens: an Ed25519 or P-256 private JWK in the secret EMBED_SIGNING_KEY. */
export interface EmbedSigningKey {
  alg: "EdDSA" | "ES256";
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** What `/.well-known/jwks.json` publishes: the public half only. */
  publicJwk: JWK;
}

const keys = new WeakMap<EdgeConfig, Promise<EmbedSigningKey>>();

export function embedSigningKey(config: EdgeConfig): Promise<EmbedSigningKey> {
  let key = keys.get(config);
  if (!key) {
    key = loadKey(config.embedSigningKey);
    keys.set(config, key);
  }
  return key;
}

async function loadKey(secret: string | undefined): Promise<EmbedSigningKey> {
  if (!secret) throw new EmbeddingDisabledError("Embedding is not enabled on this edge.");
  let jwk: JWK;
  try {
    jwk = JSON.parse(secret) as JWK;
  } catch (error) {
    throw new MisconfiguredError("The edge is misconfigured; the operators have been told.", { cause: new Error("EMBED_SIGNING_KEY: not JSON", { cause: error }) });
  }
  const alg = jwk.kty === "OKP" && jwk.crv === "Ed25519" ? "EdDSA" : jwk.kty === "EC" && jwk.crv === "P-256" ? "ES256" : undefined;
  if (!alg || typeof jwk.d !== "string") {
    throw new MisconfiguredError("The edge is misconfigured; the operators have been told.", {
      cause: new Error("EMBED_SIGNING_KEY: must be a private Ed25519 (OKP) or P-256 (EC) JWK"),
    });
  }
  const { d: _private, ...publicParts } = jwk;
  // The key's own kid, or one derived from its public part (stable for the same key).
  const kid = jwk.kid ?? `embed-${String(publicParts.x).slice(0, 16)}`;
  const publicJwk: JWK = { kty: publicParts.kty, crv: publicParts.crv, x: publicParts.x, ...(publicParts.y ? { y: publicParts.y } : {}), kid, alg, use: "sig" };
  return {
    alg,
    kid,
    privateKey: (await importJWK({ ...jwk, alg }, alg)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, alg)) as CryptoKey,
    publicJwk,
  };
}
