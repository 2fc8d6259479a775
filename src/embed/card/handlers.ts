import type { Context } from "hono";
import { errors } from "jose";
import type { AppEnv } from "../../app-env.ts";
import { configFor } from "../../config/config.ts";
import { loadHeatPumps } from "../../heat-pumps/load.ts";
import { reshaped } from "../../heat-pumps/representation.ts";
import { compactHeatPump } from "../../heat-pumps/reshape.ts";
import { cacheHeaders } from "../../cache/http-headers.ts";
import { ProblemError } from "../../problems/problem-error.ts";
import { verifyEmbedToken, type EmbedClaims } from "../embed-token.ts";
import { embedPrincipal } from "../principal.ts";
import { spendRateLimit } from "../../rate-limit/middleware.ts";
import { RateLimitedError } from "../../problems/errors.ts";
import { CARD_SCRIPT, CARD_STYLE, EMBED_LOADER } from "./assets.ts";
import { toBase64 } from "../../util/base64.ts";
import { langOf } from "./i18n.ts";
import { renderCards, renderPage } from "./render.ts";

/** Device data changes every 5–15 minutes and the edge keeps it fresh for 30 s: a minute is plenty. */
const REFRESH_EVERY_SECONDS = 60;

function randomNonce(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(16)));
}

async function sha1Tag(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return `"${[...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("")}"`;
}

/** CSP of the card: only its own nonce'd style and script, fetches to its own origin, framed only by the token's origins. */
function csp(nonce: string, frameAncestors: string[]): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(" ") : "'none'"}`,
  ].join("; ");
}

/** The origins of an embed token that failed only because it expired (its signature was checked first). */
function expiredTokenOrigins(error: unknown): string[] {
  const payload = error instanceof ProblemError && error.cause instanceof errors.JWTExpired ? error.cause.payload : undefined;
  return Array.isArray(payload?.origins) ? payload.origins.filter((origin): origin is string => typeof origin === "string") : [];
}

/**
 * GET /embed/heat-pumps?token=…&lang=en|de — the status card page; with `part=cards`, only its cards (what the
 * page's script polls, with ETags). An expired or unusable token still gets a page that says so.
 */
export async function cardPage(c: Context<AppEnv>): Promise<Response> {
  const lang = langOf(c.req.query("lang"), c.req.header("accept-language"));
  const onlyCards = c.req.query("part") === "cards";
  const config = configFor(c.env);
  const nonce = randomNonce();
  const page = (body: string, status: 200 | 401 | 429 | 503, origins: string[], extra: Partial<Parameters<typeof renderPage>[0]> = {}, headers: Record<string, string> = {}) =>
    c.html(renderPage({ lang, nonce, body, parentOrigins: origins, style: CARD_STYLE, script: CARD_SCRIPT, refreshEverySeconds: REFRESH_EVERY_SECONDS, ...extra }), status, {
      "content-security-policy": csp(nonce, origins),
      // The page carries its token and a one-time nonce: never stored anywhere.
      "cache-control": "no-store",
      ...headers,
    });

  let claims: EmbedClaims;
  try {
    claims = await verifyEmbedToken(config, c.req.query("token") ?? "");
  } catch (error) {
    if (onlyCards || !(error instanceof ProblemError) || error.status !== 401) throw error;
    return page("", 401, expiredTokenOrigins(error), { notice: "expired" });
  }
  c.set("embed", claims);
  const principal = embedPrincipal(claims);
  c.set("principal", principal);
  // Limited like the widget data: per organisation and user, after the token verified.
  try {
    await spendRateLimit(c, principal);
  } catch (error) {
    if (onlyCards || !(error instanceof RateLimitedError)) throw error;
    return page("", 429, claims.origins, { notice: "unavailable" }, { "retry-after": error.headers["retry-after"] ?? "60" });
  }

  let loaded;
  try {
    loaded = await loadHeatPumps(c, { org_id: claims.orgId, user_id: claims.userId });
  } catch (error) {
    if (onlyCards || !(error instanceof ProblemError) || error.status < 500) throw error;
    return page("", 503, claims.origins, { notice: "unavailable" });
  }
  const now = Date.now();
  const cards = renderCards({ heatPumps: reshaped(loaded, now, config.stateStaleAfterSeconds, claims.heatPumpId).map(compactHeatPump), stale: loaded.list.stale, now }, lang);
  if (onlyCards) return c.html(cards, 200, { ...cacheHeaders(loaded.list.cache), "content-security-policy": "default-src 'none'" });

  const refresh = new URL(c.req.url);
  refresh.search = new URLSearchParams({ token: c.req.query("token")!, lang, part: "cards" }).toString();
  return page(cards, 200, claims.origins, { refreshUrl: `${refresh.pathname}${refresh.search}`, etag: await sha1Tag(cards) });
}

/** GET /embed.js — the one-line loader partners put into their pages. */
export function embedLoader(c: Context<AppEnv>): Response {
  return c.body(EMBED_LOADER, 200, {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "public, max-age=3600",
    // Loaded by partners' pages from another origin.
    "cross-origin-resource-policy": "cross-origin",
  });
}
