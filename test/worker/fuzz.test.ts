import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { api, exchangeEmbedToken, newIds, scenario, token, type Ids } from "./helpers.ts";

// Property-based fuzzing of every operation in the API document, inside workerd: paths, query strings, headers
// and bodies drawn by fast-check, from well-formed to hostile. Whatever is sent, the edge answers with a
// documented status: never a 5xx other than the upstream and issuer ones it documents, and every refusal is a
// problem (the card's own HTML pages aside). Fixed seed, bounded runs: the same requests every time.

const SEED = 20261130;
const RUNS_PER_OPERATION = 200;
/** The 5xx answers that say "not our fault" (Podero or an issuer failing); every other 5xx fails the test. */
const DOCUMENTED_5XX = new Set(["upstream_error", "upstream_auth_failed", "upstream_bad_response", "upstream_unavailable", "upstream_timeout", "issuer_keys_unavailable"]);
/** Rate limiting off, so the runs reach past it (its own tests are in cache.test.ts). */
const FUZZ_ENV = { ...env, RATE_LIMIT_REQUESTS: "0" };

interface Operation {
  method: string;
  path: string;
  query: { name: string; values: string[] }[];
  hasBody: boolean;
  bodyFields: string[];
}

let operations: Operation[] = [];
let ids: Ids;
const credentials: (string | undefined)[] = [];

/** The document's operations, with what fuzzing needs to know about each. */
function operationsOf(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const parameters = (operation.parameters ?? []) as { in: string; name: string; schema?: { enum?: string[] } }[];
      const content = (operation.requestBody as { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } | undefined)?.content;
      return {
        method: method.toUpperCase(),
        path,
        query: parameters.filter((parameter) => parameter.in === "query").map((parameter) => ({ name: parameter.name, values: parameter.schema?.enum ?? [] })),
        hasBody: content !== undefined,
        bodyFields: Object.keys(content?.["application/json"]?.schema?.properties ?? {}),
      };
    }),
  );
}

const printable = fc.string({ unit: "grapheme-ascii", maxLength: 40 }).map((text) => text.replace(/[\r\n\0]/g, ""));
const hostileText = fc.constantFrom("", " ", "..", "%2e%2e", "%00", "__proto__", "constructor", "toString", "💥", "\u202e", "a".repeat(300), "null", "-1", "1e309");
const anyText = fc.oneof(fc.string({ maxLength: 60 }), hostileText, printable);

function pathParam(name: string): fc.Arbitrary<string> {
  const known = name === "org_id" ? fc.constant(ids.orgId) : name === "user_id" ? fc.constant(ids.userId) : fc.constant(`wh_${crypto.randomUUID()}`);
  return fc.oneof({ weight: 8, arbitrary: known }, fc.uuid(), fc.uuid().map((id) => id.toUpperCase()), anyText.map(encodeURIComponent), fc.constantFrom("heat-pumps", "%2F", "."));
}

function query(operation: Operation): fc.Arbitrary<string> {
  const known = operation.query.map(({ name, values }) => fc.option(fc.tuple(fc.constant(name), values.length > 0 ? fc.oneof(fc.constantFrom(...values), anyText) : anyText), { nil: undefined }));
  const extra = fc.array(fc.tuple(fc.oneof(anyText, fc.constantFrom("__proto__", "constructor", "token", "view", "status")), anyText), { maxLength: 3 });
  return fc.tuple(fc.tuple(...known), extra).map(([chosen, more]) => {
    const pairs = [...chosen.filter((pair): pair is [string, string] => pair !== undefined), ...more];
    return pairs.length === 0 ? "" : `?${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&")}`;
  });
}

function body(operation: Operation): fc.Arbitrary<string | undefined> {
  if (!operation.hasBody) return fc.option(fc.string({ maxLength: 20 }), { nil: undefined, freq: 4 });
  const documented = operation.bodyFields.length > 0 ? fc.dictionary(fc.constantFrom(...operation.bodyFields), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((value) => JSON.stringify(value)) : fc.constant("{}");
  return fc.oneof({ weight: 3, arbitrary: documented }, fc.json({ maxDepth: 3 }), fc.string({ maxLength: 80 }), fc.constant(undefined));
}

function request(operation: Operation): fc.Arbitrary<{ method: string; url: string; headers: Record<string, string>; body?: string }> {
  const params = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
  return fc
    .record({
      method: fc.oneof({ weight: 5, arbitrary: fc.constant(operation.method) }, fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")),
      values: fc.tuple(...params.map(pathParam)),
      query: query(operation),
      authorization: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...credentials) }, printable, printable.map((text) => `Bearer ${text}`)),
      contentType: fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"),
      extra: fc.record({ "if-none-match": printable, "cache-control": fc.constantFrom("no-cache", "max-age=0", "no-store"), origin: fc.constantFrom("https://app.partner.example", "null", "https://evil.example"), "x-request-id": printable }, { requiredKeys: [] }),
      body: body(operation),
    })
    .map(({ method, values, query: search, authorization, contentType, extra, body: payload }) => {
      let path = operation.path;
      params.forEach((name, index) => (path = path.replace(`{${name}}`, values[index]!)));
      const headers: Record<string, string> = { ...extra };
      if (authorization !== undefined) headers.authorization = authorization;
      if (contentType !== undefined) headers["content-type"] = contentType;
      const sendsBody = payload !== undefined && method !== "GET" && method !== "HEAD";
      return { method, url: `https://edge.example${path}${search}`, headers, ...(sendsBody ? { body: payload } : {}) };
    });
}

beforeAll(async () => {
  ids = newIds();
  const doc = (await (await api("/openapi.json")).json()) as Parameters<typeof operationsOf>[0];
  operations = operationsOf(doc);
  const everything = "heat_pumps:read heat_pumps:refresh embeds:write webhooks:manage owners:read";
  const embed = ((await (await exchangeEmbedToken(ids, { origins: ["https://app.partner.example"] })).json()) as { token: string }).token;
  credentials.push(
    undefined,
    `Bearer ${await token(ids, { claims: { scope: everything } })}`,
    `Bearer ${await token(ids, { claims: { scope: everything, user_id: ids.userId } })}`,
    `Bearer ${await token(ids, { claims: { scope: "heat_pumps:refresh" } })}`,
    `Bearer ${await token(newIds(), { claims: { scope: everything } })}`,
    `Bearer ${embed}`,
  );
});

describe("fuzzing every operation of the API document", () => {
  it("never answers an undocumented 5xx, and every refusal is a problem", { timeout: 300_000 }, async () => {
    expect(operations.length).toBeGreaterThan(20);
    let sent = 0;
    const statuses = new Map<number, number>();
    for (const [index, operation] of operations.entries()) {
      await fc.assert(
        fc.asyncProperty(request(operation), async (input) => {
          sent += 1;
          const ctx = createExecutionContext();
          const response = await worker.fetch(new Request(input.url, input), FUZZ_ENV, ctx);
          await waitOnExecutionContext(ctx);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const text = input.method === "HEAD" ? "" : await response.text();
          const type = response.headers.get("content-type") ?? "";
          const label = `${input.method} ${input.url} → ${response.status} ${text.slice(0, 300)}`;
          if (response.status >= 500) {
            expect(type, label).toBe("application/problem+json");
            expect(DOCUMENTED_5XX.has((JSON.parse(text) as { code: string }).code), label).toBe(true);
          } else if (response.status >= 400 && input.method !== "HEAD") {
            // The card answers people, not programs: its refusals are HTML pages that say what happened.
            const cardPage = new URL(input.url).pathname === "/embed/heat-pumps" && type.startsWith("text/html");
            expect(cardPage || type === "application/problem+json", label).toBe(true);
          }
        }),
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    const histogram = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(" ");
    console.log(`fuzz: ${sent} requests over ${operations.length} operations (seed ${SEED}): ${histogram}`);
    expect(sent).toBe(operations.length * RUNS_PER_OPERATION);
  });
});

describe("fuzzing what Podero sends", () => {
  const UPSTREAM_RUNS = 120;
  const fields = Object.keys(heatPump({}, "fields"));
  /** Strings the edge turns into keys and labels: where Object.prototype lookups hide. */
  const labelled = ["operational_mode", "current_mode", "optimization_level", "actual_steering_state", "connection_status", "monitoring_status", "steering_status"];
  const prototypeNames = fc.constantFrom("constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "Constructor", " __proto__ ");
  const upstreamValue = fc.oneof({ weight: 3, arbitrary: prototypeNames }, hostileText, anyText, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, true, -1, 1e308, "0001-01-01T00:00:00Z", "NaN"));
  /** One to three heat pumps, each with some fields replaced (and some unknown fields added) by drawn values. */
  const upstreamItems = fc.array(
    fc.tuple(fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...labelled) }, { weight: 4, arbitrary: fc.constantFrom(...fields) }, fc.constantFrom("__proto__", "constructor", "owner_phone"), anyText), upstreamValue, { maxKeys: 6 }), fc.nat(1000)),
    { minLength: 1, maxLength: 3 },
  );

  it("never answers an undocumented 5xx on any read, whatever the heat pumps look like", { timeout: 300_000 }, async () => {
    const everything = "heat_pumps:read owners:read";
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(upstreamItems, async (drawn) => {
        const who = newIds();
        await scenario(who.userId, { items: drawn.map(([overrides, seed]) => heatPump(overrides, `fuzz-${seed}`)) as never });
        const partner = await token(who, { claims: { scope: everything } });
        const embed = ((await (await exchangeEmbedToken(who, { origins: ["https://app.partner.example"] })).json()) as { token: string }).token;
        const base = `/v1/orgs/${who.orgId}/users/${who.userId}`;
        const reads: [string, string | undefined][] = [
          [`${base}/heat-pumps`, partner],
          [`${base}/heat-pumps?view=compact&status=error`, partner],
          [`${base}/heat-pumps/${heatPump({}, `fuzz-${drawn[0]![1]}`).id}`, partner],
          [`/api/partners/v2.0/org/${who.orgId}/users/${who.userId}/heat-pumps`, partner],
          [`/v1/embed/heat-pumps?token=${encodeURIComponent(embed)}`, undefined],
          [`/embed/heat-pumps?token=${encodeURIComponent(embed)}&lang=de`, undefined],
        ];
        for (const [path, bearer] of reads) {
          sent += 1;
          const response = await api(path, { token: bearer });
          const text = await response.text();
          const label = `${path} with ${JSON.stringify(drawn).slice(0, 400)} → ${response.status} ${text.slice(0, 300)}`;
          if (response.status >= 500) {
            const code = response.headers.get("content-type") === "application/problem+json" ? (JSON.parse(text) as { code: string }).code : "(card page)";
            expect(DOCUMENTED_5XX.has(code) || (code === "(card page)" && response.status === 503), label).toBe(true);
          }
          expect(text, label).not.toMatch(/\[object Object\]|native code/);
        }
      }),
      { seed: SEED, numRuns: UPSTREAM_RUNS, endOnFailure: true },
    );
    console.log(`fuzz: ${sent} reads of ${UPSTREAM_RUNS} drawn upstream answers (seed ${SEED})`);
  });
});
