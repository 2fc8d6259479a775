// `npm test`'s test step: every Vitest project, then the plain closing line ("tests: N passed, N failed, N skipped")
// from Vitest's JSON report — also when tests failed — and Vitest's own exit code.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const REPORT = "test-output/vitest.json";
rmSync(REPORT, { force: true }); // never a stale count from an earlier run
const run = spawnSync("npx", ["vitest", "run", ...process.argv.slice(2)], { stdio: "inherit" });

if (existsSync(REPORT)) {
  const report = JSON.parse(readFileSync(REPORT, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
} else {
  console.log("tests: 0 passed, 1 failed"); // Vitest stopped before it could report: the run failed
}
process.exit(run.status ?? 1);
