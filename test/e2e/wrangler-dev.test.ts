import { validate } from "@readme/openapi-parser";
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_ORG_ID, DEV_USER_ID } from "../../dev/fake-podero/fixtures.ts";
import { startFakePodero } from "../../dev/fake-podero/server.ts";
import { startWranglerDev, type WranglerDev } from "../../dev/wrangler-dev.ts";
import { summarise } from "../../clients/typescript/example.ts";

// The real worker as operators run it: plain `wrangler dev` with --var overrides, a local upstream and a
// local issuer, spoken to over HTTP. Every answer is checked against the worker's own OpenAPI document.

let fake: Awaited<ReturnType<typeof startFakePodero>>;
let worker: WranglerDev;
let doc: Record<string, any>;
let token: string;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

beforeAll(async () => {
  fake = await startFakePodero();
  const issuer = `${fake.url}/__idp/e2e`;
  worker = await startWranglerDev({
    vars: {
      UPSTREAM_BASE_URL: fake.url,
      UPSTREAM_API_TOKEN: "fake-upstream-token",
      PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks_uri: `${issuer}/jwks.json`, orgs: "*" }]),
    },
  });
  const now = Math.floor(Date.now() / 1000);
  token = await fake.idp.sign("e2e", { iss: issuer, aud: "heat-pump-edge", exp: now + 600, org_id: DEV_ORG_ID, scope: "heat_pumps:read owners:read" }, { alg: "RS256" });
  doc = (await (await fetch(`${worker.url}/openapi.json`)).json()) as Record<string, any>;
  ajv.addSchema(doc, "openapi");
});

afterAll(async () => {
  await worker?.stop();
  await fake?.close();
});

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/** Fetches from the worker and checks status, content type and body against the OpenAPI document. */
async function documented(route: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${worker.url}${path}`, init);
  const body = (await response.json()) as unknown;
  const declared = doc.paths[route].get.responses[String(response.status)];
  expect(declared, `${route} documents ${response.status}`).toBeDefined();
  const contentType = response.headers.get("content-type")!.split(";")[0]!;
  expect(declared.content[contentType], `${route} ${response.status} documents ${contentType}`).toBeDefined();
  const check = ajv.getSchema(`openapi#/${pointer("paths", route, "get", "responses", String(response.status), "content", contentType, "schema")}`)!;
  expect(check(body), JSON.stringify(check.errors, null, 1)).toBe(true);
  expect(response.headers.get("x-request-id")).toBeTruthy();
  return { response, body: body as any };
}

const LIST = "/v1/orgs/{org_id}/users/{user_id}/heat-pumps";
const ITEM = "/v1/orgs/{org_id}/users/{user_id}/heat-pumps/{heat_pump_id}";
const COMPAT = "/api/partners/v2.0/org/{org_id}/users/{user_id}/heat-pumps";
const listPath = `/v1/orgs/${DEV_ORG_ID}/users/${DEV_USER_ID}/heat-pumps`;
const auth = () => ({ headers: { authorization: `Bearer ${token}` } });

describe("wrangler dev with --var overrides, a local upstream and a local issuer", () => {
  it("publishes a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? "" : JSON.stringify(result.errors)).toBe(true);
  });

  it("serves a real list from the local upstream, matching the document", async () => {
    const { response, body } = await documented(LIST, listPath, auth());
    expect(response.status).toBe(200);
    expect(body.meta.count).toBe(3);
    expect(body.data.map((item: any) => item.status.overall)).toEqual(["ok", "warning", "error"]);
    expect(body.data[0].owner.email).toBe("erika.mustermann@example.com");
  });

  it("serves the compact view, one heat pump and the Podero-compatible list, matching the document", async () => {
    const compact = await documented(LIST, `${listPath}?view=compact`, auth());
    expect(compact.body.data[0]).toHaveProperty("mode_label");
    const id = compact.body.data[1].id as string;
    const item = await documented(ITEM, `${listPath}/${id}`, auth());
    expect(item.body.data.id).toBe(id);
    const podero = await documented(COMPAT, `/api/partners/v2.0/org/${DEV_ORG_ID}/users/${DEV_USER_ID}/heat-pumps`, auth());
    expect(podero.body).toHaveLength(3);
  });

  it("answers documented problems", async () => {
    const missing = await documented(LIST, listPath);
    expect(missing.response.status).toBe(401);
    expect(missing.response.headers.get("www-authenticate")).toBe('Bearer realm="heat-pump-edge"');
    expect((await documented(LIST, `${listPath}?view=huge`, auth())).response.status).toBe(400);
    expect((await documented(LIST, `/v1/orgs/${crypto.randomUUID()}/users/${DEV_USER_ID}/heat-pumps`, auth())).response.status).toBe(403);
    expect((await documented(ITEM, `${listPath}/${crypto.randomUUID()}`, auth())).response.status).toBe(404);
  });

  it("runs the typed client's example (clients/typescript) against the running edge", async () => {
    const lines = await summarise(worker.url, token, DEV_ORG_ID, DEV_USER_ID);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/: (ok|warning|error|unknown)/);
    await expect(summarise(worker.url, "not-a-token", DEV_ORG_ID, DEV_USER_ID)).rejects.toThrow(/^401 invalid_token/);
  });

  it("serves the committed API document at /openapi.json, as a static asset", async () => {
    const response = await fetch(`${worker.url}/openapi.json`);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(await response.text()).toBe(readFileSync("openapi.json", "utf8"));
  });

  it("answers health without auth", async () => {
    const { response, body } = await documented("/health", "/health");
    expect(response.status).toBe(200);
    expect(body).toEqual({ status: "ok" });
  });
});
