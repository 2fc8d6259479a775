import { describe, expect, it } from "vitest";
import { SCALAR_SCRIPT_PATH } from "../../src/docs/scalar.ts";
import { api } from "./helpers.ts";

// /docs as the worker answers it. The script it names is a static asset, served before the worker and not
// reachable from this pool: test/browser/docs.test.ts loads the whole page offline under wrangler dev.

/** The CSP's directives by name. */
function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(";").map((part) => part.trim().split(/\s+/)).filter((words) => words[0]).map(([name, ...values]) => [name!, values]));
}

describe("GET /docs", () => {
  it("is an HTML page that loads everything from this origin", async () => {
    const response = await api("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const html = await response.text();
    const sources = [...html.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]);
    expect(sources).toEqual([SCALAR_SCRIPT_PATH]);
    for (const source of sources) expect(source).toMatch(/^\/[^/]/);
    // Configured by data attributes, no inline script; the document is /openapi.json.
    expect(html.match(/<script\b[^>]*>[^<]+<\/script>/g)).toBeNull();
    expect(html).toContain("&quot;url&quot;:&quot;/openapi.json&quot;");
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("is under a CSP that names no other origin, forbids framing and inline script", async () => {
    const response = await api("/docs");
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toBeTruthy();
    expect(csp).not.toMatch(/https?:|\*|\/\//);
    const policy = directives(csp);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(policy.get("script-src")).toEqual(["'self'"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    for (const values of policy.values()) expect(values).not.toContain("'unsafe-eval'");
    // secureHeaders still applies around it.
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("names a versioned script path, so it can be cached for good", () => {
    expect(SCALAR_SCRIPT_PATH).toMatch(/^\/docs\/assets\/scalar-api-reference-\d+\.\d+\.\d+\.js$/);
  });
});
