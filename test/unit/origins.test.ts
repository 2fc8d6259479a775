import { describe, expect, it } from "vitest";
import { checkOrigin } from "../../src/embed/origins.ts";

describe("checkOrigin", () => {
  it("accepts https origins, with or without a port or trailing slash, as browsers serialise them", () => {
    expect(checkOrigin("https://app.partner.example", false)).toEqual({ origin: "https://app.partner.example" });
    expect(checkOrigin("https://App.Partner.example:8443/", false)).toEqual({ origin: "https://app.partner.example:8443" });
    expect(checkOrigin("https://app.partner.example:443", false)).toEqual({ origin: "https://app.partner.example" });
  });

  it("refuses paths, queries, fragments, credentials, wildcards and other schemes", () => {
    for (const input of ["https://app.example/widgets", "https://app.example?x=1", "https://app.example#top", "https://user:pw@app.example", "https://*.example.com", "*", "ftp://app.example", "app.example", "javascript:alert(1)", "http://app.example"]) {
      expect(checkOrigin(input, false), input).toHaveProperty("error");
    }
  });

  it("allows plain-http localhost only in development", () => {
    expect(checkOrigin("http://localhost:3000", true)).toEqual({ origin: "http://localhost:3000" });
    expect(checkOrigin("http://127.0.0.1:5173", true)).toEqual({ origin: "http://127.0.0.1:5173" });
    expect(checkOrigin("http://localhost:3000", false)).toEqual({ error: "must be https" });
    expect(checkOrigin("https://localhost", false)).toEqual({ error: "localhost is allowed only in development" });
    expect(checkOrigin("http://intranet.local", true)).toHaveProperty("error");
  });
});
