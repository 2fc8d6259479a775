// Prints the plain closing line of a test run ("N passed, N failed, N skipped") from vitest's JSON report.
import { readFileSync } from "node:fs";

const report = JSON.parse(readFileSync("test-output/vitest.json", "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
