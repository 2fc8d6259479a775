import type { UpstreamCredentials } from "../config/config.ts";
import { UpstreamAuthError, UpstreamError } from "../problems/errors.ts";
import { isAbort, type Deadline } from "./deadline.ts";

/**
 * The edge's own Podero access token. A static token is used as-is. With client credentials the token is
 * fetched the way Podero does it (RFC 6749 §4.4: Basic client auth, JSON body), kept per isolate until
 * shortly before it expires, and fetched by one request at a time. The token acts as an organisation
 * administrator: it is sent to the upstream's own origin only and never logged.
 */

interface CachedToken {
  accessToken: string;
  renewAt: number;
}

/** Renew this long before expiry, so a token never expires between being read and being used. */
const RENEW_BEFORE_EXPIRY_MS = 60_000;

const tokens = new Map<string, CachedToken & { fetchedAt: number }>();
/** The last token request per client, for readiness: when, and whether Podero gave a token. */
const lastRefresh = new Map<string, { at: number; ok: boolean }>();
const pending = new Map<string, Promise<CachedToken>>();

export interface UpstreamCredentialSource {
  token(deadline: Deadline): Promise<string>;
  /** Forget the token after the upstream refused it; true when a fresh one can be fetched. */
  invalidate(): boolean;
}

export function credentialSource(baseUrl: string, credentials: UpstreamCredentials): UpstreamCredentialSource {
  if (credentials.kind === "static") {
    return { token: async () => credentials.token, invalidate: () => false };
  }
  const key = `${baseUrl}\n${credentials.clientId}`;
  return {
    async token(deadline) {
      const cached = tokens.get(key);
      if (cached && cached.renewAt > Date.now()) return cached.accessToken;
      let inFlight = pending.get(key);
      if (!inFlight) {
        // Only plain data is shared between requests here (RFC: Workers I/O objects are per request).
        inFlight = requestToken(baseUrl, credentials.clientId, credentials.clientSecret, deadline)
          .then(
            (token) => (lastRefresh.set(key, { at: Date.now(), ok: true }), token),
            (error: unknown) => {
              lastRefresh.set(key, { at: Date.now(), ok: false });
              throw error;
            },
          )
          .finally(() => pending.delete(key));
        pending.set(key, inFlight);
      }
      const fresh = await inFlight;
      if (tokens.get(key)?.accessToken !== fresh.accessToken) tokens.set(key, { ...fresh, fetchedAt: Date.now() });
      return fresh.accessToken;
    },
    invalidate() {
      tokens.delete(key);
      return true;
    },
  };
}

async function requestToken(baseUrl: string, clientId: string, clientSecret: string, deadline: Deadline): Promise<CachedToken> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/oauth2/token/`, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ grant_type: "client_credentials" }),
      redirect: "manual",
      signal: deadline.signal(),
    });
  } catch (error) {
    if (isAbort(error)) throw deadline.exceeded(error);
    throw new UpstreamError("Podero's token endpoint could not be reached.", { cause: error });
  }
  if (response.status === 400 || response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new UpstreamAuthError(`Podero's token endpoint refused the edge's client credentials (${response.status}).`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UpstreamError(`Podero's token endpoint answered ${response.status}.`);
  }
  const body = (await response.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
  if (typeof body?.access_token !== "string" || body.access_token === "") {
    throw new UpstreamError("Podero's token endpoint answered without an access token.");
  }
  const expiresInMs = (typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
  return { accessToken: body.access_token, renewAt: Date.now() + Math.max(expiresInMs - RENEW_BEFORE_EXPIRY_MS, expiresInMs / 2) };
}

export interface CredentialStatus {
  kind: UpstreamCredentials["kind"];
  /** Seconds since this isolate got its OAuth token (null: none yet, or a static token). */
  token_age_s: number | null;
  /** This isolate's last token request (client credentials only). */
  last_refresh: { at: string; outcome: "ok" | "refused_or_failed" } | null;
}

/** What this isolate knows of the edge's Podero credentials — never the credentials themselves. */
export function credentialStatus(baseUrl: string, credentials: UpstreamCredentials): CredentialStatus {
  if (credentials.kind === "static") return { kind: "static", token_age_s: null, last_refresh: null };
  const key = `${baseUrl}\n${credentials.clientId}`;
  const token = tokens.get(key);
  const refresh = lastRefresh.get(key);
  return {
    kind: "client_credentials",
    token_age_s: token ? Math.floor((Date.now() - token.fetchedAt) / 1000) : null,
    last_refresh: refresh ? { at: new Date(refresh.at).toISOString(), outcome: refresh.ok ? "ok" : "refused_or_failed" } : null,
  };
}
