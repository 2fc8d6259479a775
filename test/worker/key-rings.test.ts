import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { newEmbedSigningKey, newWebhookSecretsKey } from "../../dev/keys.ts";
import worker from "../../src/index.ts";
import { openSecret } from "../../src/webhooks/secret-box.ts";
import { listPath, newIds, problem, token, type Ids } from "./helpers.ts";

// Both of the edge's own keys rotate without downtime, through the worker's settings (docs/configuration.md "Rotating keys").
const settingsOf = env as unknown as { EMBED_SIGNING_KEY: string; WEBHOOK_SECRETS_KEY: string; DB: D1Database };

async function call(path: string, init: RequestInit & { token?: string }, settings: Record<string, string> = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://edge.example${path}`, { ...init, headers }), { ...env, ...settings } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function embedToken(ids: Ids, settings: Record<string, string> = {}): Promise<string> {
  const partner = await token(ids, { claims: { scope: "heat_pumps:read embeds:write" } });
  const response = await call(`${listPath(ids).replace(/\/heat-pumps$/, "")}/embed-tokens`, { method: "POST", token: partner, headers: { "content-type": "application/json" }, body: JSON.stringify({ origins: ["https://app.partner.example"] }) }, settings);
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

const widget = (embed: string, settings: Record<string, string>) => call("/v1/embed/heat-pumps", { token: embed }, settings);

describe("rotating EMBED_SIGNING_KEY", () => {
  it("[NEW, OLD]: new tokens are signed by NEW, tokens signed by OLD still work, both are published; NEW alone ends OLD's tokens", async () => {
    const ids = newIds();
    const old = settingsOf.EMBED_SIGNING_KEY;
    const fresh = await newEmbedSigningKey();
    const [oldKid, freshKid] = [(JSON.parse(old) as { kid: string }).kid, (JSON.parse(fresh) as { kid: string }).kid];
    const before = await embedToken(ids);
    expect(decodeProtectedHeader(before).kid).toBe(oldKid);

    const rotating = { EMBED_SIGNING_KEY: JSON.stringify([JSON.parse(fresh), JSON.parse(old)]) };
    expect((await widget(before, rotating)).status).toBe(200);
    const after = await embedToken(ids, rotating);
    expect(decodeProtectedHeader(after).kid).toBe(freshKid);
    const jwks = (await (await call("/.well-known/jwks.json", {}, rotating)).json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([freshKid, oldKid]);
    expect(jwks.keys.some((key) => "d" in key)).toBe(false);

    const rotated = { EMBED_SIGNING_KEY: fresh };
    await problem(await widget(before, rotated), 401, "invalid_token");
    expect((await widget(after, rotated)).status).toBe(200);
  });
});

describe("rotating WEBHOOK_SECRETS_KEY", () => {
  it("[NEW,OLD]: a change to a subscription seals its secret anew under NEW, which alone then opens it", async () => {
    const ids = newIds();
    const manage = await token(ids, { claims: { scope: "heat_pumps:read webhooks:manage" } });
    const created = (await (
      await call(`/v1/orgs/${ids.orgId}/webhooks`, { method: "POST", token: manage, headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://hooks.partner.example/k" }) })
    ).json()) as { id: string; secret: string };
    const stored = async () => (await settingsOf.DB.prepare("SELECT secret FROM webhook_subscriptions WHERE id = ?1").bind(created.id).first<{ secret: string }>())!.secret;
    const underOld = await stored();

    const fresh = newWebhookSecretsKey();
    const rotating = { WEBHOOK_SECRETS_KEY: `${fresh},${settingsOf.WEBHOOK_SECRETS_KEY}` };
    const patched = await call(`/v1/orgs/${ids.orgId}/webhooks/${created.id}`, { method: "PATCH", token: manage, headers: { "content-type": "application/json" }, body: JSON.stringify({ description: "moved" }) }, rotating);
    expect(patched.status).toBe(200);
    const underNew = await stored();
    expect(underNew).not.toBe(underOld);
    expect(await openSecret(fresh, underNew)).toBe(created.secret);
    await expect(openSecret(settingsOf.WEBHOOK_SECRETS_KEY, underNew)).rejects.toThrow();
  });
});
