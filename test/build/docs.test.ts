import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { examplesSection, withExamples } from "../../scripts/webhook-examples.ts";
import { EnvSchema } from "../../src/config/config.ts";
import { PROBLEM_CATALOGUE } from "../../src/problems/errors.ts";

// The documentation agrees with the code: its tables list every setting and every problem code, its example
// payloads are what the code sends and match the API document, and every link leads somewhere.
const DOCS = ["README.md", "CHANGELOG.md", ...readdirSync("docs").filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
const read = (file: string) => readFileSync(file, "utf8");

describe("the documentation", () => {
  it("links only to files that exist", () => {
    const broken = DOCS.flatMap((file) =>
      [...read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((match) => match[1]!)
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !existsSync(join(dirname(file), target)))
        .map((target) => `${file} → ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it("lists every setting the API worker reads in docs/configuration.md", () => {
    const table = read("docs/configuration.md");
    expect(Object.keys(EnvSchema.shape).filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
  });

  it("lists every problem code in docs/api.md's error table", () => {
    const table = read("docs/api.md");
    expect(PROBLEM_CATALOGUE.map((problem) => problem.spec.code).filter((code) => !table.includes(`\`${code}\``))).toEqual([]);
  });

  it("shows one example payload per event type, as the code makes them, each valid against the API document", async () => {
    const doc = read("docs/webhooks.md");
    expect(withExamples(doc, await examplesSection()) === doc, "docs/webhooks.md examples are stale: node scripts/webhook-examples.ts").toBe(true);
    const api = JSON.parse(read("openapi.json")) as { webhooks: Record<string, unknown> };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(api, "openapi");
    const examples = [...doc.matchAll(/### `([\w.]+)`\n\n```json\n([\s\S]*?)\n```/g)];
    expect(examples.map((match) => match[1]).sort()).toEqual(Object.keys(api.webhooks).sort());
    for (const [, type, json] of examples) {
      const check = ajv.getSchema(`openapi#/webhooks/${type}/post/requestBody/content/application~1json/schema`)!;
      expect(check(JSON.parse(json!)), `${type}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
  });
});
