import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { execFileSync } from "node:child_process";
import { defineConfig } from "vitest/config";
import { testBindings } from "./test/support/bindings.ts";
import { prepareDocsAssets } from "./scripts/docs-assets.ts";

// The static assets wrangler.toml serves (/docs's script): wrangler dev and deploy copy them by their [build]
// command, which the workerd pool does not run.
prepareDocsAssets();

// The webhook worker as deployed (its bundle), beside the API worker under test: the API hands test and replay
// deliveries to its WebhookOutbox entrypoint over the WEBHOOK_OUTBOX service binding.
const WEBHOOK_WORKER_BUNDLE = "test-output/webhook-worker";
// And the API worker as deployed, beside the webhook worker under test: its tests create subscriptions and watches,
// rotate secrets and send test events through the public API, as a partner does.
const API_WORKER_BUNDLE = "test-output/api-worker";
for (const [config, outdir] of [["wrangler.webhooks.toml", WEBHOOK_WORKER_BUNDLE], ["wrangler.toml", API_WORKER_BUNDLE]]) {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "-c", config!, "--outdir", outdir!], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: "ignore",
  });
}

// The operator's dead-letter consumer (outside the system): records what reaches the dead-letter queue at the fake
// receiver, where tests read it.
const DEAD_LETTER_RECORDER = `export default {
  async queue(batch, env) {
    await fetch(env.RECORD_URL, { method: "POST", body: JSON.stringify(batch.messages.map((message) => message.body)) });
    batch.ackAll();
  },
};`;

/** The Workers runtime for one wrangler config, with the test bindings (fake upstream, keys, D1 migrations). */
type PoolOptions = Exclude<Parameters<typeof cloudflareTest>[0], (...args: never[]) => unknown>;
type MiniflareOptions = NonNullable<PoolOptions["miniflare"]>;
type Settings = ReturnType<typeof testBindings>;

function workerd(configPath: string, extra: Record<string, string> = {}, auxiliary: (settings: Settings & Record<string, string>) => Partial<MiniflareOptions> = () => ({})) {
  return cloudflareTest(async ({ inject }) => {
    // One set of settings (and one WEBHOOK_SECRETS_KEY) for the worker under test and the workers beside it.
    const settings = { ...testBindings(inject<string>("fakeUpstreamUrl"), inject<{ keys: object[] }>("inlineJwks"), inject<string>("embedSigningKey")), ...extra };
    return {
      wrangler: { configPath },
      // The webhook worker's RPC entrypoint, reachable from tests as `exports.WebhookOutbox`.
      additionalExports: { WebhookOutbox: "WorkerEntrypoint" },
      miniflare: {
        ...auxiliary(settings),
        bindings: {
          ...settings,
          // Applied to the local D1 by test/worker/setup.ts before each file.
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
        },
        // PARTNER_RATE_LIMITER as in wrangler.toml, and a small one the rate-limit test swaps in.
        ratelimits: {
          PARTNER_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 600, period: 60 } },
          TEST_RATE_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 60 } },
        },
      },
    };
  });
}

/**
 * The worker under test runs as the pool's runner, renamed to this (the plugin's `getRunnerName(project)`); bindings
 * from the workers beside it must name the runner. Were the plugin to rename it, the runtime would refuse to start.
 */
const WEBHOOKS_RUNNER = "vitest-plugin-runner-webhooks";

/** The API worker's bundle beside the webhook worker, sharing its D1, KV and circuit, as the two deploy together. */
function apiWorkerBeside(settings: Settings & Record<string, string>): Partial<MiniflareOptions> {
  return {
    serviceBindings: { API: "heat-pump-edge" },
    workers: [
      {
        name: "heat-pump-edge",
        modules: true,
        scriptPath: `${API_WORKER_BUNDLE}/index.js`,
        compatibilityDate: "2026-11-01",
        bindings: settings,
        kvNamespaces: { CACHE: "00000000000000000000000000000000" },
        d1Databases: { DB: "00000000-0000-0000-0000-000000000000" },
        serviceBindings: { WEBHOOK_OUTBOX: { name: WEBHOOKS_RUNNER, entrypoint: "WebhookOutbox" } },
        durableObjects: { UPSTREAM_CIRCUIT: { className: "UpstreamCircuit", scriptName: WEBHOOKS_RUNNER } },
        ratelimits: { PARTNER_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 600, period: 60 } } },
      },
      {
        name: "dead-letter-recorder",
        modules: [{ type: "ESModule", path: "recorder.mjs", contents: DEAD_LETTER_RECORDER }],
        compatibilityDate: "2026-11-01",
        bindings: { RECORD_URL: `${settings.UPSTREAM_BASE_URL}/__receiver/dead-letters` },
        queueConsumers: { "heat-pump-edge-webhooks-dead": { maxBatchTimeout: 1 } },
      },
    ],
  };
}

export default defineConfig({
  test: {
    // The worker's request log lines are asserted where they matter (auth.test.ts), not echoed.
    onConsoleLog: (log) => !log.includes('"message":"request"'),
    reporters: ["default", "json"],
    outputFile: { json: "test-output/vitest.json" },
    projects: [
      {
        // Pure functions (reshape, claims, config, upstream parsing): no runtime needed.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        // The worker inside workerd (the real Workers runtime), against a fake Podero on a real local port.
        plugins: [
          workerd("./wrangler.toml", {}, () => ({
            workers: [
              {
                name: "heat-pump-edge-webhooks",
                modules: true,
                scriptPath: `${WEBHOOK_WORKER_BUNDLE}/index.js`,
                compatibilityDate: "2026-11-01",
                queueProducers: { WEBHOOK_QUEUE: "heat-pump-edge-webhooks" },
                durableObjects: { UPSTREAM_CIRCUIT: "UpstreamCircuit" },
              },
            ],
          })),
        ],
        test: {
          name: "workers",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/worker/setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        // The webhook worker (Cron Trigger + Queue consumer) inside workerd, delivering to a local receiver.
        // A forced refresh every second at most, so a test can poll twice without waiting the usual 5 s; room for the
        // fan-out test's 150 subscriptions in one organisation (the quota's own test sets it low).
        plugins: [workerd("./wrangler.webhooks.toml", { CACHE_REFRESH_MIN_INTERVAL_SECONDS: "1", WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG: "200" }, apiWorkerBeside)],
        test: {
          name: "webhooks",
          include: ["test/webhooks/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/worker/setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // The deployable bundle, built as `wrangler deploy --dry-run --minify` builds it; the OpenAPI document under redocly lint.
        test: { name: "build", include: ["test/build/**/*.test.ts"], environment: "node", testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        // The status card in Debian's Chromium (playwright-core), embedded by a partner page on another origin; /docs offline.
        test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        // `wrangler dev` as a process, spoken to over HTTP.
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
