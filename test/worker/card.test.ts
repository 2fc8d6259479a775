import type { JWK } from "jose";
import { describe, expect, inject, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { signEmbedToken } from "../support/embed-tokens.ts";
import { api, exchangeEmbedToken, newIds, problem, scenario, token as partnerToken, type Ids } from "./helpers.ts";

const PAGE = "https://app.partner.example";

async function embedToken(ids: Ids): Promise<string> {
  return ((await (await exchangeEmbedToken(ids, { origins: [PAGE] })).json()) as { token: string }).token;
}

const card = (embed: string, query = "") => api(`/embed/heat-pumps?token=${encodeURIComponent(embed)}${query}`);

describe("GET /embed/heat-pumps (the card)", () => {
  it("renders the heat pumps, escaped, with a CSP that only the token's origins may frame", async () => {
    const ids = newIds();
    await scenario(ids.userId, {
      items: [heatPump({ device_model: { manufacturer: "<script>alert(1)</script>", model: "X" }, indoor_actual_temperature: 21.2, indoor_target_temperature: 21.5, dhw_temperature: 48.5, outdoor_temperature: 3.4, current_power_consumption_w: 1840, consumption_last_day_kwh: 18.4 }, "card")],
    });
    const response = await card(await embedToken(ids));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-frame-options")).toBeNull();
    const policy = response.headers.get("content-security-policy")!;
    expect(policy).toMatch(`frame-ancestors ${PAGE}`);
    expect(policy).toMatch(/default-src 'none'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)![1]!;
    const html = await response.text();
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; X");
    expect(html).not.toContain("<script>alert(1)");
    for (const value of ["21.2 °C", "21.5 °C", "48.5 °C", "3.4 °C", "1,840 W", "18.4 kWh", "ECO", "Heating"]) expect(html).toContain(value);
    expect([...html.matchAll(/<script([^>]*)>/g)].every(([, attributes]) => attributes!.includes(`nonce="${nonce}"`))).toBe(true);
    expect(html).toMatch(/<html lang="en">/);
    expect(html).not.toMatch(/Mustermann|erika|onboarding\.example|cloud\.example/i);
    // docs/embedding.md: "one server-rendered page (about 5 KB, its embed token included)" for a heat pump.
    const bytes = new TextEncoder().encode(html).length;
    console.log(`card page: ${bytes} bytes`);
    expect(bytes).toBeGreaterThan(3500);
    expect(bytes).toBeLessThan(6000);
  });

  it("renders upstream strings that name Object.prototype members as plain text (they crashed the card)", async () => {
    const ids = newIds();
    const hostile = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "expired"];
    await scenario(ids.userId, {
      items: hostile.map((name, index) => heatPump({ operational_mode: name, current_mode: hostile[(index + 1) % hostile.length], optimization_active: true }, `proto-${index}`)),
    });
    const embed = await embedToken(ids);
    const response = await card(embed);
    expect(response.status, await response.clone().text()).toBe(200);
    const html = await response.text();
    for (const label of ["constructor", "tostring", "hasownproperty", "valueof"]) expect(html.toLowerCase()).toContain(label);
    // An upstream mode named like one of the card's own texts is shown as itself, not as that text.
    expect(html.split("This status card has expired")).toHaveLength(2); // once: the script's own notice, not an activity
    expect(html).not.toMatch(/\[object Object\]|native code/);
    for (const path of [`/v1/embed/heat-pumps?token=${encodeURIComponent(embed)}`, `/v1/orgs/${ids.orgId}/users/${ids.userId}/heat-pumps`]) {
      const data = await api(path, path.startsWith("/v1/orgs") ? { token: await partnerToken(ids) } : {});
      expect(data.status, path).toBe(200);
      expect(await data.text()).not.toMatch(/\[object Object\]|native code/);
    }
  });

  it("speaks German with lang=de", async () => {
    const ids = newIds();
    await scenario(ids.userId, { items: [heatPump({ indoor_actual_temperature: 21.2 }, "de")] });
    const html = await (await card(await embedToken(ids), "&lang=de")).text();
    expect(html).toMatch(/<html lang="de">/);
    expect(html).toContain("21,2 °C");
    expect(html).toContain("Warmwasser");
    expect(html).toContain("Aktualisiert");
  });

  it("shows an expired card, still framed only by the token's origins", async () => {
    const ids = newIds();
    const expired = await signEmbedToken(JSON.parse(inject("embedSigningKey")) as JWK, { org_id: ids.orgId, user_id: ids.userId, origins: [PAGE] }, 700, -60);
    const response = await card(expired);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-security-policy")).toMatch(`frame-ancestors ${PAGE}`);
    expect(await response.text()).toContain("This status card has expired");

    const garbage = await card("not-a-token");
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
  });

  it("says when Podero is unavailable and there is no stored copy", async () => {
    const ids = newIds();
    await scenario(ids.userId, { queue: [{ status: 503 }, { status: 503 }] });
    const response = await card(await embedToken(ids));
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("temporarily unavailable");
  });

  it("serves its cards to its own script with ETags: the first poll is a 304", async () => {
    const ids = newIds();
    const embed = await embedToken(ids);
    const html = await (await card(embed)).text();
    const config = JSON.parse(/<script[^>]*id="config"[^>]*>(.*?)<\/script>/s.exec(html)![1]!) as { refresh: string; etag: string; every: number; origins: string[] };
    expect(config).toMatchObject({ every: 60, origins: [PAGE] });
    expect(config.refresh).toMatch(/^\/embed\/heat-pumps\?token=.*&lang=en&part=cards$/);
    const poll = await api(config.refresh, { headers: { "if-none-match": config.etag } });
    expect(poll.status).toBe(304);
    const fresh = await api(config.refresh);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("etag")).toBe(config.etag);
    expect(await fresh.text()).toMatch(/^<article class="card"/);
    await problem(await api(config.refresh.replace(/token=[^&]+/, "token=expired.bad.token")), 401, "invalid_token");
  });

  it("GET /embed.js is a cacheable, cross-origin loadable loader", async () => {
    const response = await api("/embed.js");
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(response.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(await response.text()).toContain("/embed/heat-pumps?token=");
  });
});
