// Runs before `npm start`, `npm test` and `npm run bench` (under whatever Node the machine has): installs the
// locked dependencies when node_modules is missing or older than package-lock.json, so a fresh clone needs only
// the one command. The project's own Node 22 (devDependency `node`) then runs the script itself.
// With --browser (before tests) it also installs Debian's Chromium for the browser test, when it can (root, apt).
const { existsSync, statSync } = require("node:fs");
const { execSync } = require("node:child_process");

const marker = "node_modules/.package-lock.json";
if (!existsSync(marker) || statSync("package-lock.json").mtimeMs > statSync(marker).mtimeMs) {
  console.log("Installing dependencies from package-lock.json …");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit" });
}

if (process.argv.includes("--browser") && !existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium")) {
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log("Installing Debian's Chromium for the browser test …");
    execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium", { stdio: "inherit" });
  } else {
    console.warn("The browser test needs Chromium at /usr/bin/chromium (apt-get install chromium) or CHROMIUM_PATH.");
  }
}
