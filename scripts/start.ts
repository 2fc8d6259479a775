// `npm start`: the worker under `wrangler dev`, against the built-in fake Podero and a local development
// token issuer, and a ready-to-paste curl. The fake and the issuer run in this Node process, never in
// the worker: a deployed worker cannot reach or trust them (and refuses plain-http issuers outside development).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DEV_ORG_ID, DEV_USER_ID } from "../dev/fake-podero/fixtures.ts";
import { startFakePodero } from "../dev/fake-podero/server.ts";
import { startWranglerDev } from "../dev/wrangler-dev.ts";
import { newEmbedSigningKey, newWebhookSecretsKey } from "../dev/keys.ts";

async function localKeys(path: string): Promise<{ embedSigningKey: string; webhookSecretsKey: string }> {
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as { embedSigningKey: string; webhookSecretsKey: string };
  const keys = { embedSigningKey: await newEmbedSigningKey(), webhookSecretsKey: newWebhookSecretsKey() };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

const port = Number(process.env.PORT ?? 8787);
const fakePort = Number(process.env.FAKE_PODERO_PORT ?? 8788);
const fake = await startFakePodero({ port: fakePort, latencyMs: Number(process.env.FAKE_PODERO_LATENCY_MS ?? 0) });
const issuer = `${fake.url}/__idp/dev`;
// The development issuer acts for the development organisation only: every issuer names its organisations.
const partnerIssuers = JSON.stringify([{ issuer, jwks_uri: `${issuer}/jwks.json`, orgs: [DEV_ORG_ID] }]);

// Local keys live with the local state (.wrangler/state): subscriptions sealed in an earlier run still open, and
// embed tokens outlive a restart. Deployed workers get theirs with `npm run keys` and `wrangler secret put`.
const { embedSigningKey, webhookSecretsKey } = await localKeys(".wrangler/state/dev-keys.json");

// Webhook subscriptions live in the local D1: bring its schema up to date first.
execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", ".wrangler/state"], {
  stdio: "ignore",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
});

console.log(`fake Podero upstream and development issuer on ${fake.url}; starting wrangler dev …`);
const worker = await startWranglerDev({
  port,
  inherit: true,
  persistTo: ".wrangler/state",
  vars: {
    ENVIRONMENT: "development",
    UPSTREAM_BASE_URL: fake.url,
    UPSTREAM_API_TOKEN: "fake-upstream-token",
    PARTNER_ISSUERS: partnerIssuers,
    EMBED_SIGNING_KEY: embedSigningKey,
    WEBHOOK_SECRETS_KEY: webhookSecretsKey,
  },
});

// The webhook worker beside it, sharing D1 and KV; its Cron Trigger is run here once a minute (wrangler dev
// does not run crons by itself). The API worker reaches it over the WEBHOOK_OUTBOX service binding (test, replay).
const webhookWorker = await startWranglerDev({
  port: port + 3,
  config: "wrangler.webhooks.toml",
  testScheduled: true,
  persistTo: ".wrangler/state",
  vars: {
    ENVIRONMENT: "development",
    UPSTREAM_BASE_URL: fake.url,
    UPSTREAM_API_TOKEN: "fake-upstream-token",
    // The same issuers as the API worker: watches and subscriptions are served only while their issuer may act.
    PARTNER_ISSUERS: partnerIssuers,
    WEBHOOK_SECRETS_KEY: webhookSecretsKey,
    WEBHOOK_POLL_SECONDS: "60",
  },
});
const cron = setInterval(() => void fetch(`${webhookWorker.url}/cdn-cgi/handler/scheduled`).catch(() => undefined), 60_000);

const now = Math.floor(Date.now() / 1000);
const token = await fake.idp.sign("dev", {
  iss: issuer,
  aud: "heat-pump-edge",
  sub: "dev-partner-app",
  iat: now,
  exp: now + 24 * 3600,
  org_id: DEV_ORG_ID,
  scope: "heat_pumps:read heat_pumps:refresh embeds:write webhooks:manage",
});
const base = `${worker.url}/v1/orgs/${DEV_ORG_ID}/users/${DEV_USER_ID}/heat-pumps`;
console.log(`
heat-pump-edge is running on ${worker.url}  (API reference: ${worker.url}/docs)
A development token (24 h, scopes heat_pumps:read heat_pumps:refresh embeds:write webhooks:manage) for organisation ${DEV_ORG_ID}:

  export TOKEN='${token}'
  curl -s -H "Authorization: Bearer $TOKEN" '${base}?view=compact'

More: '${base}' (full view), '${base}?status=error', and the Podero-compatible
'${worker.url}/api/partners/v2.0/org/${DEV_ORG_ID}/users/${DEV_USER_ID}/heat-pumps'.
The webhook worker polls watched users every minute (${webhookWorker.url}/cdn-cgi/handler/scheduled runs it now);
a local receiver for trying it: ${fake.url}/__receiver/NAME (GET it to see what arrived). Ctrl-C stops everything.
`);

const shutdown = async () => {
  clearInterval(cron);
  await webhookWorker.stop();
  await worker.stop();
  await fake.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
worker.process.on("exit", async (code) => {
  await fake.close();
  process.exit(code ?? 1);
});
