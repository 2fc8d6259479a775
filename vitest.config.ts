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
execFileSync("npx", ["wrangler", "deploy", "--dry-run", "-c", "wrangler.webhooks.toml", "--outdir", WEBHOOK_WORKER_BUNDLE], {
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  stdio: "ignore",
});

/** The Workers runtime for one wrangler config, with the test bindings (fake upstream, keys, D1 migrations). */
type PoolOptions = Exclude<Parameters<typeof cloudflareTest>[0], (...args: never[]) => unknown>;
type AuxiliaryWorkers = Pick<NonNullable<PoolOptions["miniflare"]>, "workers">;

function workerd(configPath: string, extra: Record<string, string> = {}, auxiliary: AuxiliaryWorkers = {}) {
  return cloudflareTest(async ({ inject }) => ({
    wrangler: { configPath },
    // The webhook worker's RPC entrypoint, reachable from tests as `exports.WebhookOutbox`.
    additionalExports: { WebhookOutbox: "WorkerEntrypoint" },
    miniflare: {
      ...auxiliary,
      bindings: {
        ...testBindings(inject<string>("fakeUpstreamUrl"), inject<{ keys: object[] }>("inlineJwks"), inject<string>("embedSigningKey")),
        ...extra,
        // Applied to the local D1 by test/worker/setup.ts before each file.
        TEST_MIGRATIONS: await readD1Migrations("./migrations"),
      },
      // PARTNER_RATE_LIMITER as in wrangler.toml, and a small one the rate-limit test swaps in.
      ratelimits: {
        PARTNER_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 600, period: 60 } },
        TEST_RATE_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 60 } },
      },
    },
  }));
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
          workerd("./wrangler.toml", {}, {
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
          }),
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
        // A forced refresh every second at most, so a test can poll twice without waiting the usual 5 s.
        plugins: [workerd("./wrangler.webhooks.toml", { CACHE_REFRESH_MIN_INTERVAL_SECONDS: "1" })],
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
