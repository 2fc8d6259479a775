import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { startFakePodero } from "../../dev/fake-podero/server.ts";
import { startWranglerDev, type WranglerDev } from "../../dev/wrangler-dev.ts";
import { signEmbedToken } from "../support/embed-tokens.ts";

// The status card in a real browser: Debian's Chromium driven by playwright-core, a partner page on another
// origin that embeds the card with embed.js, the worker under wrangler dev and the fake Podero behind it.
const OUTPUT = "test-output/browser";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let fake: Awaited<ReturnType<typeof startFakePodero>>;
let worker: WranglerDev;
let browser: Browser;
let signingKey: JWK;
const partnerPages: Server[] = [];
const orgId = crypto.randomUUID();
const userId = crypto.randomUUID();
const HEAT_PUMPS = [
  heatPump({ indoor_actual_temperature: 21.2, indoor_target_temperature: 21.5, dhw_temperature: 48.5, outdoor_temperature: 3.4, current_power_consumption_w: 1840, consumption_last_day_kwh: 18.4, device_model: { manufacturer: "Vaillant", model: "aroTHERM plus" } }, "browser-1"),
  heatPump({ monitoring_status: "warning", operational_mode: "Hot Water", current_mode: "max", dhw_temperature: 44.1, device_model: { manufacturer: "Daikin", model: "Altherma 3" } }, "browser-2"),
];

interface PartnerPage {
  origin: string;
  /** The page embeds the card with this token (set once the partner's back end has exchanged it). */
  token: string;
}

/** A partner's page on its own origin (`host` decides which: localhost and 127.0.0.1 are different origins). */
async function partnerPage(host: string, lang = "en"): Promise<PartnerPage> {
  const page: PartnerPage = { origin: "", token: "" };
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><html lang="${lang}"><head><title>Partner</title></head><body style="font-family:sans-serif;max-width:640px;margin:24px auto">
<h1>My heating</h1>
<script src="${worker.url}/embed.js" data-token="${page.token}" data-lang="${lang}" async></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  partnerPages.push(server);
  page.origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return page;
}

async function exchange(origins: string[]): Promise<string> {
  const issuer = `${fake.url}/__idp/browser`;
  const now = Math.floor(Date.now() / 1000);
  const partnerToken = await fake.idp.sign("browser", { iss: issuer, aud: "heat-pump-edge", exp: now + 600, org_id: orgId, scope: "heat_pumps:read embeds:write" });
  const response = await fetch(`${worker.url}/v1/orgs/${orgId}/users/${userId}/embed-tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${partnerToken}`, "content-type": "application/json" },
    body: JSON.stringify({ origins, ttl_seconds: 600 }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

async function cardFrame(page: Page): Promise<Frame> {
  const element = await page.waitForSelector("iframe", { timeout: 15_000 });
  const frame = await element.contentFrame();
  if (!frame) throw new Error("no iframe content");
  return frame;
}

beforeAll(async () => {
  fake = await startFakePodero();
  await fetch(`${fake.url}/__fake/users/${userId}`, { method: "PUT", body: JSON.stringify({ items: HEAT_PUMPS }) });
  const issuer = `${fake.url}/__idp/browser`;
  const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  signingKey = { ...(await exportJWK(privateKey)), kid: "browser-test" };
  worker = await startWranglerDev({
    vars: {
      ENVIRONMENT: "development",
      UPSTREAM_BASE_URL: fake.url,
      UPSTREAM_API_TOKEN: "fake-upstream-token",
      PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks_uri: `${issuer}/jwks.json`, orgs: "*" }]),
      EMBED_SIGNING_KEY: JSON.stringify(signingKey),
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-features=LocalNetworkAccessChecks", "--no-first-run"],
  });
  mkdirSync(OUTPUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  for (const server of partnerPages) server.close();
  await worker?.stop();
  await fake?.close();
});

describe("the status card in Chromium", () => {
  it("shows the fake upstream's values in a partner page on another origin", async () => {
    const partner = await partnerPage("localhost");
    partner.token = await exchange([partner.origin]);
    const url = partner.origin;
    const page = await browser.newPage({ viewport: { width: 720, height: 640 } });
    let transferBytes = 0;
    page.on("requestfinished", async (request) => {
      if (request.url().includes("/embed/heat-pumps?")) transferBytes = (await request.sizes()).responseBodySize + (await request.sizes()).responseHeadersSize;
    });
    const started = Date.now();
    await page.goto(url);
    const frame = await cardFrame(page);
    await frame.waitForSelector("article.card", { timeout: 15_000 });
    const firstRenderMs = Date.now() - started;
    const text = await frame.locator("main").innerText();
    for (const value of ["Vaillant aroTHERM plus", "Daikin Altherma 3", "21.2 °C", "21.5 °C", "48.5 °C", "3.4 °C", "1,840 W", "18.4 kWh", "ECO", "Boost", "Warning", "Hot water"]) {
      expect(text).toContain(value);
    }
    expect(await frame.locator("article.card").count()).toBe(2);
    // Accessible: each card is labelled by its heading, values are a description list.
    expect(await frame.getByRole("article", { name: "Vaillant aroTHERM plus" }).count()).toBe(1);
    expect(await frame.locator("dl dt").first().innerText()).toBe("Indoor");
    const paint = await frame.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null);
    // embed.js sized the iframe to the card.
    const height = await page.locator("iframe").evaluate((element) => element.getBoundingClientRect().height);
    expect(height).toBeGreaterThan(200);
    await page.screenshot({ path: `${OUTPUT}/card-en.png`, fullPage: true });
    const metrics = { card_transfer_bytes: transferBytes, card_first_contentful_paint_ms_in_frame: paint, partner_page_to_card_visible_ms: firstRenderMs, iframe_height_px: height };
    writeFileSync(`${OUTPUT}/metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`);
    console.log(`card metrics: ${JSON.stringify(metrics)}`);
    expect(transferBytes).toBeGreaterThan(0);
    await page.close();
  });

  it("speaks German and follows a dark colour scheme", async () => {
    const partner = await partnerPage("localhost", "de");
    partner.token = await exchange([partner.origin]);
    const url = partner.origin;
    const page = await browser.newPage({ viewport: { width: 720, height: 640 }, colorScheme: "dark" });
    await page.goto(url);
    const frame = await cardFrame(page);
    await frame.waitForSelector("article.card");
    const text = await frame.locator("main").innerText();
    expect(text).toContain("21,2 °C");
    expect(text).toContain("Warmwasser");
    const background = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(13, 17, 23)");
    await page.screenshot({ path: `${OUTPUT}/card-de-dark.png`, fullPage: true });
    await page.close();
  });

  it("is refused by the browser in a page whose origin the token does not list", async () => {
    const listed = await partnerPage("localhost");
    const elsewhere = await partnerPage("127.0.0.1"); // another origin, not in the token
    elsewhere.token = await exchange([listed.origin]);
    const url = elsewhere.origin;
    const page = await browser.newPage();
    const blocked = new Promise<boolean>((resolve) => {
      page.on("console", (message) => {
        if (/frame-ancestors/i.test(message.text())) resolve(true);
      });
      setTimeout(() => resolve(false), 10_000);
    });
    await page.goto(url);
    const frame = await cardFrame(page);
    expect(await blocked).toBe(true);
    expect(await frame.locator("article.card").count()).toBe(0);
    await page.screenshot({ path: `${OUTPUT}/card-refused.png` });
    await page.close();
  });

  it("shows the expired state for an expired token", async () => {
    const partner = await partnerPage("localhost");
    partner.token = await signEmbedToken(signingKey, { org_id: orgId, user_id: userId, origins: [partner.origin] }, 900, -300);
    const url = partner.origin;
    const page = await browser.newPage();
    await page.goto(url);
    const frame = await cardFrame(page);
    await frame.waitForSelector(".notice");
    expect(await frame.locator(".notice").innerText()).toContain("This status card has expired");
    expect(await frame.getByRole("alert").count()).toBe(1);
    await page.screenshot({ path: `${OUTPUT}/card-expired.png` });
    await page.close();
  });
});
