import { env, exports } from "cloudflare:workers";
import type { Scenario } from "../../dev/fake-podero/scenario.ts";
import { afterEach, vi } from "vitest";
import { ISSUERS } from "../support/bindings.ts";

// Helpers for workerd tests: talk to the worker through its real fetch handler, and to the fake Podero
// and fake identity provider over real HTTP. Each test makes its own org and user ids, so the fake's
// per-user scenarios and counters never leak between tests or files running in parallel.

export const FAKE = env.UPSTREAM_BASE_URL;
const ISSUER_KEYS: Record<string, string> = {
  [ISSUERS.a]: "partner-a",
  [ISSUERS.b]: "partner-b",
  [ISSUERS.limited]: "limited",
  [ISSUERS.counted]: "counted",
};

export interface Ids {
  orgId: string;
  userId: string;
}

export function newIds(): Ids {
  return { orgId: crypto.randomUUID(), userId: crypto.randomUUID() };
}

export interface TokenOptions {
  /** Issuer URL (default partner A). */
  issuer?: string;
  /** Which fake IdP key set signs (default: the issuer's own). */
  signer?: string;
  alg?: "ES256" | "RS256" | "PS256" | "EdDSA";
  header?: Record<string, unknown>;
  /** Claims to set; `undefined` values remove a default claim. */
  claims?: Record<string, unknown>;
}

export async function token(ids: Ids, options: TokenOptions = {}): Promise<string> {
  const issuer = options.issuer ?? ISSUERS.a;
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: issuer,
    aud: "heat-pump-edge",
    sub: "partner-app",
    iat: now,
    exp: now + 300,
    org_id: ids.orgId,
    scope: "heat_pumps:read",
    ...options.claims,
  };
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
  const signer = options.signer ?? ISSUER_KEYS[issuer] ?? "partner-a";
  const response = await fetch(`${FAKE}/__idp/${signer}/sign`, {
    method: "POST",
    body: JSON.stringify({ payload, alg: options.alg, header: options.header }),
  });
  if (!response.ok) throw new Error(`fake IdP: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export async function publicJwks(signer: string): Promise<{ keys: JsonWebKey[] }> {
  const response = await fetch(`${FAKE}/__idp/${signer}`);
  return ((await response.json()) as { public_jwks: { keys: JsonWebKey[] } }).public_jwks;
}

export async function jwksRequests(signer: string): Promise<number> {
  return ((await (await fetch(`${FAKE}/__idp/${signer}`)).json()) as { jwks_requests: number }).jwks_requests;
}

export function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  return exports.default.fetch(new Request(`https://edge.example${path}`, { ...init, headers }));
}

export function listPath(ids: Ids, query = ""): string {
  return `/v1/orgs/${ids.orgId}/users/${ids.userId}/heat-pumps${query}`;
}

export type { FakeResponse } from "../../dev/fake-podero/scenario.ts";

export async function scenario(userId: string, setup: Scenario): Promise<void> {
  const response = await fetch(`${FAKE}/__fake/users/${userId}`, { method: "PUT", body: JSON.stringify(setup) });
  if (response.status !== 204) throw new Error(`fake scenario: ${response.status}`);
}

export async function upstreamCalls(userId: string): Promise<{ calls: number; last_headers: Record<string, string | undefined> }> {
  return (await (await fetch(`${FAKE}/__fake/users/${userId}`)).json()) as { calls: number; last_headers: Record<string, string | undefined> };
}

export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  request_id: string;
  errors?: { in: string; name: string; detail: string }[];
  [key: string]: unknown;
}

/** Reads a problem answer and checks the parts every problem must have (RFC 9457). */
export async function problem(response: Response, status: number, code: string): Promise<ProblemJson> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status} ${code}, got ${response.status}: ${text}`);
  if (response.headers.get("content-type") !== "application/problem+json") throw new Error(`not problem+json: ${response.headers.get("content-type")}`);
  const body = JSON.parse(text) as ProblemJson;
  if (body.code !== code) throw new Error(`expected code ${code}, got ${body.code}: ${text}`);
  if (body.status !== status || !body.type || !body.title || !body.detail || !body.instance) throw new Error(`incomplete problem: ${text}`);
  if (body.request_id !== response.headers.get("x-request-id")) throw new Error("request id not echoed in the problem");
  return body;
}

/** Exchanges a partner token (scope embeds:write) for an embed token, as a partner's back end does. */
export async function exchangeEmbedToken(ids: Ids, body: Record<string, unknown>, partnerToken?: string): Promise<Response> {
  return api(`${listPath(ids).replace(/\/heat-pumps$/, "")}/embed-tokens`, {
    method: "POST",
    token: partnerToken ?? (await token(ids, { claims: { scope: "heat_pumps:read embeds:write" } })),
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * Moves the clock the worker under test reads (it runs in this isolate) `ms` ahead and lets it run on from there,
 * instead of sleeping past a window. Real again after each test. Not for what another isolate times (the circuit's
 * Durable Object, the webhook worker beside it).
 */
export function advanceClock(ms: number) {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  vi.advanceTimersByTime(ms);
}

afterEach(() => {
  vi.useRealTimers();
});
