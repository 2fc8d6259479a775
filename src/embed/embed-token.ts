import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";
import { invalidToken } from "../auth/bearer.ts";
import { issuerMayActFor } from "../auth/issuer-access.ts";
import type { EdgeConfig } from "../config/config.ts";
import { Lru } from "../util/lru.ts";
import { embedKeyRing, embedSigningKey } from "./signing-key.ts";

// Embed tokens: short-lived, read-only, signed by the edge itself, bound to one organisation, one user,
// optionally one heat pump, and the partner's page origins. Explicitly typed (RFC 8725 §3.11) and with
// their own issuer and audience, so a partner token can never pass as an embed token, nor the reverse.
export const EMBED_TOKEN_TYPE = "embed+jwt";
export const EMBED_ISSUER = "heat-pump-edge";
export const EMBED_AUDIENCE = "heat-pump-edge:embed";
export const EMBED_TTL = { min: 60, max: 3600, default: 600 } as const;

export interface EmbedClaims {
  orgId: string;
  userId: string;
  heatPumpId: string | undefined;
  origins: string[];
  /** The partner application the token was made for (`sub` of its partner token), for the logs. */
  partner: string | undefined;
  /** The partner issuer whose token made it: the embed token works only while that issuer may act for the org. */
  partnerIssuer: string;
}

export async function issueEmbedToken(config: EdgeConfig, claims: EmbedClaims, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
  const key = await embedSigningKey(config);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    org_id: claims.orgId,
    user_id: claims.userId,
    ...(claims.heatPumpId ? { heat_pump_id: claims.heatPumpId } : {}),
    origins: claims.origins,
    scope: "heat_pumps:read",
    ...(claims.partner ? { partner: claims.partner } : {}),
    partner_iss: claims.partnerIssuer,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: EMBED_TOKEN_TYPE })
    .setIssuer(EMBED_ISSUER)
    .setAudience(EMBED_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

/**
 * Embed tokens this isolate already verified, by their exact bytes, per config (its key ring and PARTNER_ISSUERS):
 * a widget polling every minute, or a card reloaded, pays for the signature once. Kept until the token expires
 * and at most 60 s, so a key dropped from the ring or an issuer removed stops it within a minute. Successes only.
 */
const REMEMBER_MS = 60_000;
const remembered = new WeakMap<EdgeConfig, Lru<{ claims: EmbedClaims & { expiresAt: number }; until: number }>>();

export async function verifyEmbedToken(config: EdgeConfig, token: string): Promise<EmbedClaims & { expiresAt: number }> {
  const now = Date.now();
  const known = remembered.get(config)?.get(token);
  if (known && known.until > now) return known.claims;
  const claims = await verifyEmbedTokenNow(config, token);
  let tokens = remembered.get(config);
  if (!tokens) remembered.set(config, (tokens = new Lru(1000)));
  tokens.set(token, { claims, until: Math.min(claims.expiresAt, now + REMEMBER_MS) });
  return claims;
}

async function verifyEmbedTokenNow(config: EdgeConfig, token: string): Promise<EmbedClaims & { expiresAt: number }> {
  const ring = await embedKeyRing(config);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw invalidToken("The embed token is not a well-formed JWT.", error);
  }
  if (header.typ !== EMBED_TOKEN_TYPE) throw invalidToken("This is not an embed token; ask for one at POST …/embed-tokens.");
  // The key it names, among those in the ring (a rotated-out key verifies until it leaves the setting).
  const key = ring.all.find((candidate) => candidate.kid === header.kid);
  if (!key) throw invalidToken("The embed token was signed by a key this edge no longer holds; ask for a new one.");
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      issuer: EMBED_ISSUER,
      audience: EMBED_AUDIENCE,
      algorithms: [key.alg],
      typ: EMBED_TOKEN_TYPE,
      requiredClaims: ["exp", "org_id", "user_id", "origins"],
    });
    const partnerIssuer = typeof payload.partner_iss === "string" ? payload.partner_iss : null;
    if (!issuerMayActFor(config.issuers, partnerIssuer, String(payload.org_id))) {
      throw invalidToken("The partner issuer that made this embed token may no longer act for its organisation.");
    }
    const origins = payload.origins;
    if (!Array.isArray(origins) || origins.some((origin) => typeof origin !== "string")) throw invalidToken("The embed token's origins are malformed.");
    return {
      orgId: String(payload.org_id),
      userId: String(payload.user_id),
      heatPumpId: typeof payload.heat_pump_id === "string" ? payload.heat_pump_id : undefined,
      origins: origins as string[],
      partner: typeof payload.partner === "string" ? payload.partner : undefined,
      partnerIssuer: partnerIssuer!,
      expiresAt: (payload.exp as number) * 1000,
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw invalidToken("The embed token has expired.", error);
    if (error instanceof errors.JOSEError) throw invalidToken("The embed token could not be verified.", error);
    throw error;
  }
}
