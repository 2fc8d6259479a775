// The worker's OpenAPI document, built in Node from the same app the worker runs (GET /openapi.json needs no
// binding): `node scripts/openapi.ts [FILE]` writes it (default test-output/openapi.json) for `npm run
// lint:openapi`, and test/build/openapi-lint.test.ts lints it with Redocly's recommended rules in `npm test`.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

interface App {
  request(input: string): Response | Promise<Response>;
}

/** GET /openapi.json as the worker answers it; `origin` becomes the document's `servers`. */
export async function openApiDocument(origin = "http://127.0.0.1:8787"): Promise<Record<string, unknown>> {
  // Imported by URL, not statically: src/ is type-checked with the Workers types (tsconfig.json), this file with Node's.
  const { buildApp } = (await import(new URL("../src/app.ts", import.meta.url).href)) as { buildApp: () => App };
  const log = console.log;
  console.log = () => undefined; // the worker's request log line
  try {
    const response = await buildApp().request(`${origin}/openapi.json`);
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  } finally {
    console.log = log;
  }
}

export async function writeOpenApiDocument(file: string): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`OpenAPI document: ${await writeOpenApiDocument(process.argv[2] ?? "test-output/openapi.json")}`);
}
