import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { COMMITTED, committedDocumentIsCurrent } from "../../scripts/openapi.ts";

// The committed OpenAPI document (openapi.json, served at /openapi.json): what the routes make now, and under
// Redocly CLI's recommended rules (`redocly lint --extends=recommended`), as `npm run lint:openapi` runs it
// (redocly.yaml: the same rules, telemetry off): errors fail, warnings are printed. Offline: no telemetry, no update check.
const FILE = COMMITTED;
const REDOCLY = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: "error" | "warn"; message: string; location: { pointer: string }[] }[];
}

let document: Record<string, any>;
let exitCode: number | null;
let report: LintReport;

let current: boolean;

beforeAll(async () => {
  current = await committedDocumentIsCurrent();
  document = JSON.parse(readFileSync(FILE, "utf8")) as Record<string, any>;
  const lint = spawnSync(process.execPath, [REDOCLY, "lint", "--extends=recommended", "--format=json", FILE], {
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
  });
  exitCode = lint.status;
  report = JSON.parse(lint.stdout) as LintReport;
});

describe("the OpenAPI document", () => {
  it("is committed as the routes make it now (else: npm run openapi)", () => {
    expect(current, "openapi.json is stale: run `npm run openapi` and commit it").toBe(true);
  });

  it("and the typed client's types are generated from it (else: npm run openapi)", async () => {
    const types = astToString(await openapiTS(new URL(`file://${FILE}`), { silent: true }));
    const committed = readFileSync("clients/typescript/schema.d.ts", "utf8");
    expect(committed.endsWith(types), "clients/typescript/schema.d.ts is stale: run `npm run openapi` and commit it").toBe(true);
  });

  it("passes redocly lint --extends=recommended with no error", () => {
    const line = (problem: LintReport["problems"][number]) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`;
    console.log(`redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings${report.problems.map((problem) => `\n  ${line(problem)}`).join("")}`);
    expect(report.problems.filter((problem) => problem.severity === "error").map(line)).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it("says of every operation which security it takes, public ones none", () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, security: operation.security as unknown })),
    );
    expect(operations.filter((operation) => !Array.isArray(operation.security)).map((operation) => operation.route)).toEqual([]);
    const publicRoutes = operations.filter((operation) => (operation.security as unknown[]).length === 0).map((operation) => operation.route);
    expect(publicRoutes.sort()).toEqual(["GET /.well-known/jwks.json", "GET /embed.js", "GET /health", "GET /health/ready", "GET /problems/{code}"]);
  });
});
