// Runs before `npm start` and `npm test` (under whatever Node the machine has): installs the locked
// dependencies when node_modules is missing or older than package-lock.json, so a fresh clone needs
// only the one command. The project's own Node 22 (devDependency `node`) then runs the script itself.
const { existsSync, statSync } = require("node:fs");
const { execSync } = require("node:child_process");

const marker = "node_modules/.package-lock.json";
if (!existsSync(marker) || statSync("package-lock.json").mtimeMs > statSync(marker).mtimeMs) {
  console.log("Installing dependencies from package-lock.json …");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit" });
}
