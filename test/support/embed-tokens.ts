import { importJWK, SignJWT, type JWK } from "jose";

/**
 * Signs an embed token with the edge's own key, as the edge would, but with any lifetime: how tests make
 * expired embed tokens without waiting. Used by the workerd and the browser tests.
 */
export async function signEmbedToken(key: JWK, claims: { org_id: string; user_id: string; origins: string[] }, issuedAgoS: number, expiresInS: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims, scope: "heat_pumps:read" })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "embed+jwt" })
    .setIssuer("heat-pump-edge")
    .setAudience("heat-pump-edge:embed")
    .setIssuedAt(now - issuedAgoS)
    .setExpirationTime(now + expiresInS)
    .sign(await importJWK(key, "EdDSA"));
}
