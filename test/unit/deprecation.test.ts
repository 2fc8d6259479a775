import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { deprecation, deprecationHeaderValues, type DeprecatedOperation } from "../../src/middleware/deprecation/index.ts";
import { DEPRECATIONS } from "../../src/meta/deprecations.ts";
import document from "../../openapi.json" with { type: "json" };

// How a deprecation is announced (docs/versioning.md): RFC 9745 Deprecation, RFC 8594 Sunset, Link.
const entry: DeprecatedOperation = {
  method: "GET",
  path: "/v1/orgs/:org_id/things",
  deprecatedAt: "2027-01-01T00:00:00Z",
  sunsetAt: "2027-07-01T00:00:00Z",
  link: "https://heat-pumps.example.com/docs/versioning#things",
};

function app(operation: DeprecatedOperation) {
  const hono = new Hono();
  hono.use(operation.path, deprecation(operation));
  hono.get("/v1/orgs/:org_id/things", (c) => c.json({ data: [] }));
  hono.post("/v1/orgs/:org_id/things", (c) => c.json({}, 201));
  hono.get("/v1/orgs/:org_id/other", (c) => c.json({}));
  return hono;
}

describe("deprecation headers", () => {
  it("announce a deprecated operation on its answers, GET and HEAD, and nowhere else", async () => {
    const hono = app(entry);
    for (const method of ["GET", "HEAD"]) {
      const response = await hono.request("/v1/orgs/o/things", { method });
      expect(response.headers.get("deprecation")).toBe(`@${Date.parse("2027-01-01T00:00:00Z") / 1000}`);
      expect(response.headers.get("sunset")).toBe("Thu, 01 Jul 2027 00:00:00 GMT");
      expect(response.headers.get("link")).toBe(`<${entry.link}>; rel="deprecation", <${entry.link}>; rel="sunset"`);
    }
    expect((await hono.request("/v1/orgs/o/things", { method: "POST" })).headers.get("deprecation")).toBeNull();
    expect((await hono.request("/v1/orgs/o/other")).headers.get("deprecation")).toBeNull();
  });

  it("refuse an entry whose sunset is less than 6 months after its deprecation", () => {
    expect(() => deprecationHeaderValues({ ...entry, sunsetAt: "2027-03-01T00:00:00Z" })).toThrow(/6 months/);
    expect(() => deprecationHeaderValues({ ...entry, deprecatedAt: "soon" })).toThrow();
  });

  it("every deprecated operation says deprecated: true in the API document", () => {
    const paths = document.paths as Record<string, Record<string, { deprecated?: boolean }>>;
    for (const deprecated of DEPRECATIONS) {
      const documentPath = deprecated.path.replace(/:(\w+)/g, "{$1}");
      expect(paths[documentPath]?.[deprecated.method.toLowerCase()]?.deprecated, `${deprecated.method} ${documentPath}`).toBe(true);
    }
    for (const values of DEPRECATIONS.map(deprecationHeaderValues)) expect(values.deprecation).toMatch(/^@\d+$/);
  });
});
