import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import type { EdgeConfig } from "../config/config.ts";
import { IssuerUnavailableError } from "../problems/errors.ts";
import { invalidToken, MAX_TOKEN_LENGTH } from "./bearer.ts";
import { keySetFor } from "./key-sets.ts";
import type { Principal } from "./principal.ts";
import { rememberedPrincipal, rememberPrincipal } from "./verified-tokens.ts";
import { EMBED_TOKEN_TYPE } from "../embed/embed-token.ts";

/** Asymmetric only: an HMAC token could be forged by anyone holding the issuer's public key. */
export const ACCEPTED_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;

/** Headers that would let the token choose its own verification key (RFC 7515 §4.1.2–4.1.6). */
const KEY_CARRYING_HEADERS = ["jwk", "jku", "x5u", "x5c"] as const;

const CLOCK_TOLERANCE_S = 60;

/**
 * Verifies a partner JWT: size, algorithm, headers, trusted issuer, signature with a key from that
 * issuer's own JWKS, audience, `exp` (required) and `nbf`, and the shape of the edge's claims.
 * Throws `invalid_token` (401) or `issuer_keys_unavailable` (503); never returns an unverified principal.
 */
export async function verifyPartnerToken(token: string, config: EdgeConfig): Promise<Principal> {
  if (token.length > MAX_TOKEN_LENGTH) throw invalidToken("The token is larger than the edge accepts.");
  return rememberedPrincipal(config, token) ?? verifyAndRemember(token, config);
}

/** The full verification, every time (what `verifyPartnerToken` does for a token it has not seen). */
export async function verifyAndRemember(token: string, config: EdgeConfig): Promise<Principal> {
  if (token.length > MAX_TOKEN_LENGTH) throw invalidToken("The token is larger than the edge accepts.");

  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch (error) {
    throw invalidToken("The token is not a well-formed JWT.", error);
  }
  if (!ACCEPTED_ALGORITHMS.includes(header.alg as (typeof ACCEPTED_ALGORITHMS)[number])) {
    throw invalidToken(`Algorithm ${String(header.alg)} is not accepted; use one of ${ACCEPTED_ALGORITHMS.join(", ")}.`);
  }
  if (header.typ === EMBED_TOKEN_TYPE) throw invalidToken("An embed token is not a partner token; it works only on /v1/embed/ routes.");
  const keyHeader = KEY_CARRYING_HEADERS.find((name) => name in header);
  if (keyHeader) throw invalidToken(`The "${keyHeader}" header is not accepted; keys come only from the issuer's JWKS.`);

  const issuer = config.issuers.find((candidate) => candidate.issuer === unverified.iss);
  if (!issuer) throw invalidToken("The token's issuer is not trusted by this edge.");

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySetFor(issuer, config.jwksMaxAgeSeconds), {
      issuer: issuer.issuer,
      audience: config.audience,
      algorithms: [...ACCEPTED_ALGORITHMS],
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp"],
    }));
  } catch (error) {
    throw verificationProblem(error);
  }

  const orgId = payload.org_id;
  if (typeof orgId !== "string" || orgId === "") throw invalidToken('The token has no "org_id" claim.');
  const userId = payload.user_id;
  if (userId !== undefined && (typeof userId !== "string" || userId === "")) {
    throw invalidToken('The "user_id" claim must be a string.');
  }
  const scope = payload.scope;
  if (scope !== undefined && typeof scope !== "string") throw invalidToken('The "scope" claim must be a space-separated string.');

  const principal: Principal = {
    issuer: issuer.issuer,
    subject: payload.sub,
    orgId: orgId.toLowerCase(),
    userId: userId?.toLowerCase(),
    scopes: new Set((scope ?? "").split(" ").filter(Boolean)),
    issuerOrgs: issuer.orgs,
  };
  // `exp` is required and was checked; it is honoured with the same tolerance jose applied.
  rememberPrincipal(config, token, principal, ((payload.exp as number) + CLOCK_TOLERANCE_S) * 1000);
  return principal;
}

function verificationProblem(error: unknown) {
  if (error instanceof errors.JWTExpired) return invalidToken("The token has expired.", error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim === "nbf" ? "nbf (not yet valid)" : error.claim;
    return invalidToken(`The token's "${claim}" claim is not acceptable.`, error);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return invalidToken("No key published by the token's issuer matches the token.", error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken("The token's signature is invalid.", error);
  if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError) || error.code === "ERR_JOSE_GENERIC") {
    // The issuer's JWKS endpoint failed: not the caller's fault, and retrying may help.
    return new IssuerUnavailableError("The token's issuer keys could not be fetched; retry shortly.", {
      cause: error,
      headers: { "retry-after": "30" },
    });
  }
  return invalidToken("The token could not be verified.", error);
}
