// Copies the API reference's script (Scalar's standalone build from the pinned devDependency
// @scalar/api-reference) to assets/docs/assets/, where Workers static assets serve it at the versioned path
// /docs uses, and the committed API document (openapi.json) to assets/openapi.json. Generated, git-ignored,
// refreshed when missing or changed. Runs as wrangler's [build] command
// (wrangler dev and deploy, so `npm start`, `npm run build` and the e2e, browser and bundle tests) and from
// vitest.config.ts (the workerd tests): a clean clone needs no extra step, and nothing is fetched from a CDN.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SCALAR_SCRIPT_PATH, SCALAR_VERSION } from "../src/docs/scalar.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Brings assets/ up to date; returns the script's path on disk. Throws when the installed Scalar is not the pinned one. */
export function prepareDocsAssets(): string {
  const scalar = join(root, "node_modules", "@scalar", "api-reference");
  const installed = (JSON.parse(readFileSync(join(scalar, "package.json"), "utf8")) as { version: string }).version;
  if (installed !== SCALAR_VERSION) {
    throw new Error(`@scalar/api-reference ${installed} is installed but src/docs/scalar.ts says ${SCALAR_VERSION}: pin one version in both.`);
  }
  const source = join(scalar, "dist", "browser", "standalone.js");
  const target = join(root, "assets", SCALAR_SCRIPT_PATH);
  const folder = dirname(target);
  mkdirSync(folder, { recursive: true });
  // Earlier versions' copies go; several wrangler processes may start at once, so a copy lands whole or not at all.
  for (const name of readdirSync(folder)) if (/^scalar-api-reference-.*\.js$/.test(name) && join(folder, name) !== target) rmSync(join(folder, name), { force: true });
  if (!existsSync(target) || statSync(target).size !== statSync(source).size || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    const partial = `${target}.${process.pid}.partial`;
    copyFileSync(source, partial);
    renameSync(partial, target);
  }
  // The committed API document, served at /openapi.json (assets/_headers sets its headers).
  const documentTarget = join(root, "assets", "openapi.json");
  const partialDocument = `${documentTarget}.${process.pid}.partial`;
  copyFileSync(join(root, "openapi.json"), partialDocument);
  renameSync(partialDocument, documentTarget);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`docs assets: ${prepareDocsAssets()}`);
}
