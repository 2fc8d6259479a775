import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { IssuerConfig } from "../config/config.ts";

// One key set per issuer per isolate, so the JWKS is fetched once and reused across requests. jose keeps
// only parsed keys and plain JSON between requests (no Response or stream crosses requests), refetches
// when a token names an unknown `kid`, and never more often than the cooldown: a flood of tokens with
// made-up kids costs the issuer at most one request per cooldown.
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 3_000;

const keySets = new WeakMap<IssuerConfig, JWTVerifyGetKey>();

/**
 * `maxAgeSeconds` (PARTNER_JWKS_MAX_AGE_SECONDS, default 60): a key set is refetched when older, so a key the issuer
 * withdraws is trusted at most that long (plus a remembered token's 60 s). Unknown kids refetch at most once per
 * cooldown (30 s, or half the max age when shorter), so a key the issuer adds works within that.
 */
export function keySetFor(issuer: IssuerConfig, maxAgeSeconds: number): JWTVerifyGetKey {
  let keySet = keySets.get(issuer);
  if (!keySet) {
    keySet = issuer.jwks_uri
      ? createRemoteJWKSet(new URL(issuer.jwks_uri), {
          cooldownDuration: Math.min(JWKS_COOLDOWN_MS, (maxAgeSeconds * 1000) / 2),
          cacheMaxAge: maxAgeSeconds * 1000,
          timeoutDuration: JWKS_TIMEOUT_MS,
        })
      : createLocalJWKSet(issuer.jwks as JSONWebKeySet);
    keySets.set(issuer, keySet);
  }
  return keySet;
}
