import { describe, expect, it } from "vitest";
import { bearerToken, challenge } from "../../src/auth/bearer.ts";
import { ProblemError } from "../../src/problems/problem-error.ts";
import { retryAfterSeconds } from "../../src/upstream/retry-after.ts";
import { childTraceparent } from "../../src/upstream/trace.ts";

function code(run: () => unknown): string {
  try {
    run();
    return "none";
  } catch (error) {
    return error instanceof ProblemError ? error.code : String(error);
  }
}

describe("bearerToken (RFC 6750 §2.1)", () => {
  it("reads a Bearer token, scheme case-insensitively", () => {
    expect(bearerToken("Bearer a.b.c")).toBe("a.b.c");
    expect(bearerToken("bearer  a.b.c ")).toBe("a.b.c");
  });
  it("says missing for no header, invalid for anything else", () => {
    expect(code(() => bearerToken(undefined))).toBe("missing_token");
    expect(code(() => bearerToken(""))).toBe("missing_token");
    expect(code(() => bearerToken("Basic dXNlcjpwYXNz"))).toBe("invalid_token");
    expect(code(() => bearerToken("Bearer a b"))).toBe("invalid_token");
    expect(code(() => bearerToken(`Bearer ${"a".repeat(9000)}`))).toBe("invalid_token");
  });
  it("never lets a quote or backslash break out of a challenge parameter", () => {
    expect(challenge({ error_description: 'bad "x" \\' })).toBe('Bearer realm="heat-pump-edge", error_description="bad x "');
  });
});

describe("retryAfterSeconds (RFC 9110 §10.2.3)", () => {
  it("reads seconds and HTTP dates, bounded, with a default", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds("0")).toBe(1);
    expect(retryAfterSeconds("999999")).toBe(3600);
    expect(retryAfterSeconds(new Date(Date.parse("2026-11-29T10:01:00Z")).toUTCString(), Date.parse("2026-11-29T10:00:00Z"))).toBe(60);
    expect(retryAfterSeconds(null)).toBe(30);
    expect(retryAfterSeconds("soon")).toBe(30);
  });
});

describe("childTraceparent (W3C Trace Context)", () => {
  it("continues the caller's trace with a new span", () => {
    const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const child = childTraceparent(incoming);
    expect(child).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(child).not.toBe(incoming);
  });
  it("starts a new trace when there is none or it is invalid", () => {
    for (const incoming of [undefined, "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"]) {
      expect(childTraceparent(incoming)).toMatch(/^00-(?!0{32})[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });
});
