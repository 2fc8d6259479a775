import { mkdirSync, readFileSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../dev/wrangler-dev.ts";
import { SCALAR_SCRIPT_PATH } from "../../src/docs/scalar.ts";

// /docs offline: the worker under wrangler dev (which serves assets/ as Workers static assets) and Chromium
// with every request that leaves the worker's origin recorded and refused. The API reference must render all
// the same, and the page must not even try another origin.
const OUTPUT = "test-output/browser";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let worker: WranglerDev;
let browser: Browser;

beforeAll(async () => {
  worker = await startWranglerDev({ vars: {} });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  mkdirSync(OUTPUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

describe("the API reference at /docs", () => {
  it("serves Scalar's script from this origin, pinned and cached for good", async () => {
    const response = await fetch(`${worker.url}${SCALAR_SCRIPT_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(readFileSync("node_modules/@scalar/api-reference/dist/browser/standalone.js"))).toBe(true);
    // assets/_headers configures; it is not served.
    expect((await fetch(`${worker.url}/_headers`)).status).toBe(404);
  });

  it("renders offline, loading nothing from another origin and breaking no CSP rule", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const foreign: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${worker.url}/`) || url.startsWith("data:")) return route.continue();
      foreign.push(url);
      return route.abort("internetdisconnected");
    });
    const page = await context.newPage();
    const loaded: string[] = [];
    page.on("request", (request) => loaded.push(request.url()));
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    page.on("pageerror", (error) => violations.push(`page error: ${error.message}`));

    await page.goto(`${worker.url}/docs`);
    // The document's title, description and operations, rendered by Scalar from /openapi.json.
    await page.getByRole("heading", { name: "heat-pump-edge", level: 1 }).waitFor({ timeout: 30_000 });
    await page.getByText("Edge API in front of the Podero partner API").waitFor({ timeout: 15_000 });
    await page.getByRole("link", { name: "List a user's heat pumps" }).first().waitFor({ timeout: 15_000 });
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: `${OUTPUT}/docs.png` });

    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
    expect(loaded).toContain(`${worker.url}${SCALAR_SCRIPT_PATH}`);
    expect(loaded).toContain(`${worker.url}/openapi.json`);
    await context.close();
  });
});
