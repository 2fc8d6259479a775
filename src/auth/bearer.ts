import { InvalidTokenError, MissingTokenError } from "../problems/errors.ts";

/** A compact JWS is three base64url segments; anything larger than this is refused before parsing. */
export const MAX_TOKEN_LENGTH = 8192;

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i; // RFC 6750 §2.1 b64token

/** The bearer token of an `Authorization` header value (RFC 6750 §2.1), or a problem saying why not. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === "") {
    throw new MissingTokenError("Send the partner JWT as `Authorization: Bearer <token>`.", {
      headers: { "www-authenticate": challenge() },
    });
  }
  if (header.length > MAX_TOKEN_LENGTH + 16) throw invalidToken("The token is larger than the edge accepts.");
  const match = BEARER.exec(header);
  if (!match?.[1]) throw invalidToken("The Authorization header is not a Bearer token.");
  return match[1];
}

/** RFC 6750 §3 challenge; values keep only what §3 allows (printable ASCII without `"` and `\\`). */
export function challenge(params: Record<string, string> = {}): string {
  const quoted = Object.entries({ realm: "heat-pump-edge", ...params }).map(
    ([key, value]) => `${key}="${value.replaceAll("…", "...").replaceAll(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "")}"`,
  );
  return `Bearer ${quoted.join(", ")}`;
}

export function invalidToken(detail: string, cause?: unknown): InvalidTokenError {
  return new InvalidTokenError(detail, {
    cause,
    headers: { "www-authenticate": challenge({ error: "invalid_token", error_description: detail }) },
  });
}
