import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";

// The worker bundle as `wrangler deploy --dry-run --minify` builds it (the budget of issue 5): deterministic,
// so it is enforced here rather than in the benchmark.
const BUDGET_GZIP_BYTES = 100 * 1024;

interface Metafile {
  inputs: Record<string, { imports: { path: string; original?: string }[] }>;
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

let bundle: Buffer;
let meta: Metafile;

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), "heat-pump-edge-bundle-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--minify", "--outdir", outdir, "--metafile", join(outdir, "meta.json")], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: "pipe",
  });
  bundle = readFileSync(join(outdir, "index.js"));
  meta = JSON.parse(readFileSync(join(outdir, "meta.json"), "utf8")) as Metafile;
});

describe("worker bundle", () => {
  it(`stays within ${BUDGET_GZIP_BYTES / 1024} KiB gzip`, () => {
    const gzipped = gzipSync(bundle).length;
    console.log(`worker bundle: ${(bundle.length / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzip`);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });

  it("carries no zod locale but English", () => {
    const locales = Object.keys(meta.inputs).filter((path) => /zod\/v4\/locales\//.test(path));
    expect(locales).toEqual([expect.stringMatching(/zod\/v4\/locales\/en\.js$/)]);
  });

  it("uses the stand-ins (src/vendor) in place of zod's and zod-to-openapi's own modules only", () => {
    const importers = Object.entries(meta.inputs).flatMap(([importer, input]) =>
      input.imports.filter((imported) => imported.path.startsWith("src/vendor/")).map((imported) => ({ importer, imported: imported.path })),
    );
    expect([...new Set(importers.map((entry) => entry.imported))].sort()).toEqual([
      "src/vendor/zod-compile-unavailable.ts",
      "src/vendor/zod-from-json-schema-unavailable.ts",
      "src/vendor/zod-json-schema-processors-unavailable.ts",
      "src/vendor/zod-locales-en.ts",
      "src/vendor/zod-to-json-schema-unavailable.ts",
      "src/vendor/zod-to-openapi-registry-only.ts",
    ]);
    for (const { importer, imported } of importers) {
      expect(importer).toMatch(imported.endsWith("registry-only.ts") ? /node_modules\/@hono\/zod-openapi\// : /node_modules\/zod\/v4\//);
    }
    // The API document is made at build time: the worker carries no generator (one of its error messages).
    expect(bundle.toString().includes("Conflicting location for parameter")).toBe(false);
  });

  it("keeps the development fakes out of the worker", () => {
    expect(Object.keys(meta.inputs).filter((path) => path.startsWith("dev/") || path.startsWith("test/"))).toEqual([]);
    expect(bundle.toString()).not.toContain("fake-upstream-token");
  });
});
