import { importJWK, type CryptoKey, type JWK } from "jose";
import type { EdgeConfig } from "../config/config.ts";
import { EmbeddingDisabledError, MisconfiguredError } from "../problems/errors.ts";

/** The edge's own key for embed tokens: an Ed25519 or P-256 private JWK, the first in the secret EMBED_SIGNING_KEY. */
export interface EmbedSigningKey {
  alg: "EdDSA" | "ES256";
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** What `/.well-known/jwks.json` publishes: the public half only. */
  publicJwk: JWK;
}

/**
 * EMBED_SIGNING_KEY: one private JWK, or a JSON array of JWKs, newest first. The first signs; every one verifies and
 * is published at /.well-known/jwks.json (later ones may be public JWKs). Rotation without downtime: put
 * `[NEW, OLD]` (tokens signed by OLD keep working), and after the longest embed token lifetime (1 h) `NEW` alone.
 */
export interface EmbedKeyRing {
  signing: EmbedSigningKey;
  /** Every key that verifies, the signing one first. */
  all: EmbedKeyRingEntry[];
}

export type EmbedKeyRingEntry = Omit<EmbedSigningKey, "privateKey">;

const rings = new WeakMap<EdgeConfig, Promise<EmbedKeyRing>>();

export function embedKeyRing(config: EdgeConfig): Promise<EmbedKeyRing> {
  let ring = rings.get(config);
  if (!ring) {
    ring = loadRing(config.embedSigningKey);
    rings.set(config, ring);
  }
  return ring;
}

export async function embedSigningKey(config: EdgeConfig): Promise<EmbedSigningKey> {
  return (await embedKeyRing(config)).signing;
}

function misconfigured(why: string, cause?: unknown): MisconfiguredError {
  return new MisconfiguredError("The edge is misconfigured; the operators have been told.", { cause: new Error(`EMBED_SIGNING_KEY: ${why}`, { cause }) });
}

async function loadRing(secret: string | undefined): Promise<EmbedKeyRing> {
  if (!secret) throw new EmbeddingDisabledError("Embedding is not enabled on this edge.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch (error) {
    throw misconfigured("not JSON", error);
  }
  const jwks = (Array.isArray(parsed) ? parsed : [parsed]) as JWK[];
  if (jwks.length === 0 || jwks.some((jwk) => typeof jwk !== "object" || jwk === null)) throw misconfigured("a JWK or a non-empty array of JWKs");
  const [first, ...rest] = jwks;
  if (typeof first!.d !== "string") throw misconfigured("the first key signs: it must be a private JWK");
  const signing = (await loadKey(first!, true)) as EmbedSigningKey;
  const all = [signing, ...(await Promise.all(rest.map((jwk) => loadKey(jwk, false))))];
  if (new Set(all.map((key) => key.kid)).size !== all.length) throw misconfigured("two keys have the same kid");
  return { signing, all };
}

async function loadKey(jwk: JWK, signs: boolean): Promise<EmbedSigningKey | EmbedKeyRingEntry> {
  const alg = jwk.kty === "OKP" && jwk.crv === "Ed25519" ? "EdDSA" : jwk.kty === "EC" && jwk.crv === "P-256" ? "ES256" : undefined;
  if (!alg) throw misconfigured("each key must be an Ed25519 (OKP) or P-256 (EC) JWK");
  const { d: _private, ...publicParts } = jwk;
  // The key's own kid, or one derived from its public part (stable for the same key).
  const kid = jwk.kid ?? `embed-${String(publicParts.x).slice(0, 16)}`;
  const publicJwk: JWK = { kty: publicParts.kty, crv: publicParts.crv, x: publicParts.x, ...(publicParts.y ? { y: publicParts.y } : {}), kid, alg, use: "sig" };
  const entry = { alg, kid, publicKey: (await importJWK(publicJwk, alg)) as CryptoKey, publicJwk } as const;
  return signs ? { ...entry, privateKey: (await importJWK({ ...jwk, alg }, alg)) as CryptoKey } : entry;
}
