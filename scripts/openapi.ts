// The API document, generated in Node from the same routes the worker runs: `npm run openapi` writes openapi.json
// (committed; served as a static asset at /openapi.json, and the source of the typed client in clients/),
// `node scripts/openapi.ts --check` fails when it is stale, and test/build/openapi-lint.test.ts checks both in
// `npm test` and lints it with Redocly's recommended rules.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

interface App {
  getOpenAPI31Document(config: unknown): Record<string, unknown>;
}

/** The API document, generated from the routes the worker runs (src/app.ts) and src/meta/api-document.ts. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  // Imported by URL, not statically: src/ is type-checked with the Workers types (tsconfig.json), this file with Node's.
  const { buildApp } = (await import(new URL("../src/app.ts", import.meta.url).href)) as { buildApp: () => App };
  const { API_DOCUMENT } = (await import(new URL("../src/meta/api-document.ts", import.meta.url).href)) as { API_DOCUMENT: unknown };
  return buildApp().getOpenAPI31Document(API_DOCUMENT);
}

export const serialise = (document: Record<string, unknown>) => `${JSON.stringify(document, null, 2)}\n`;

export async function writeOpenApiDocument(file: string): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, serialise(await openApiDocument()));
  return file;
}

/** The committed document (openapi.json) is what the routes make now: false when a route changed without `npm run openapi`. */
export async function committedDocumentIsCurrent(file = COMMITTED): Promise<boolean> {
  return existsSync(file) && readFileSync(file, "utf8") === serialise(await openApiDocument());
}

export const COMMITTED = fileURLToPath(new URL("../openapi.json", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "--check") {
    if (!(await committedDocumentIsCurrent())) {
      console.error("openapi.json is stale: run `npm run openapi` and commit it.");
      process.exit(1);
    }
    console.log("openapi.json is current");
  } else {
    console.log(`OpenAPI document: ${await writeOpenApiDocument(process.argv[2] ?? COMMITTED)}`);
  }
}
