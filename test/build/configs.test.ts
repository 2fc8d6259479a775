import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Both workers build for every deployed environment offline (`wrangler deploy --dry-run --env …`), and no deployed
// environment ships development settings: ENVIRONMENT=development, a plain-http or loopback upstream.
const CONFIGS = ["wrangler.toml", "wrangler.webhooks.toml"];
const ENVIRONMENTS = ["staging", "production"];

function build(config: string, environment: string): string {
  const outdir = mkdtempSync(join(tmpdir(), "heat-pump-edge-config-"));
  return execFileSync("npx", ["wrangler", "deploy", "--dry-run", "-c", config, "--env", environment, "--outdir", outdir], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    encoding: "utf8",
    stdio: "pipe",
  });
}

describe("deployable configurations", () => {
  for (const config of CONFIGS) {
    for (const environment of ENVIRONMENTS) {
      it(`${config} --env ${environment} builds and ships no development settings`, () => {
        const output = build(config, environment);
        const vars = Object.fromEntries([...output.matchAll(/env\.(\w+) \("([^"]*)"\)\s+Environment Variable/g)].map((match) => [match[1]!, match[2]!]));
        expect(vars.ENVIRONMENT).toBe(environment);
        expect(vars.UPSTREAM_BASE_URL).toMatch(/^https:\/\//);
        expect(vars.UPSTREAM_BASE_URL).not.toMatch(/localhost|127\.0\.0\.1|\[::1\]/);
        expect(vars.PARTNER_ISSUERS).toBeDefined();
      });
    }
  }

  it("the webhook worker's environments share the API worker's KV and D1, and are the service the API worker binds", () => {
    const api = readFileSync("wrangler.toml", "utf8");
    const webhooks = readFileSync("wrangler.webhooks.toml", "utf8");
    for (const environment of ENVIRONMENTS) {
      const section = (text: string) => text.slice(text.indexOf(`[env.${environment}]`)).split(/\n\[env\.(?!\w+\.)/)[0]!;
      const ids = (text: string) => [...section(text).matchAll(/^(?:id|database_id) = "([^"]+)"/gm)].map((match) => match[1]!);
      expect(ids(api).length, environment).toBe(2); // KV, D1
      for (const id of ids(api)) expect(ids(webhooks), `${environment}: ${id}`).toContain(id);
      const service = /^service = "([^"]+)"/m.exec(section(api))?.[1];
      expect(service, environment).toBe(/^name = "([^"]+)"/m.exec(section(webhooks))?.[1]);
    }
  });
});
