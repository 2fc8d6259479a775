// Settings of the worker under test. Issuers are served by the fake identity provider beside the fake Podero.
export const ISSUERS = {
  /** Remote JWKS; used by most tests. */
  a: "https://partner-a.example",
  /** Inline JWKS (keys in the setting itself). */
  b: "https://partner-b.example",
  /** Remote JWKS, limited to one organisation. */
  limited: "https://limited.example",
  /** Remote JWKS used only by the JWKS-fetch-count test, so other tests do not move its counter. */
  counted: "https://counted.example",
} as const;

export const LIMITED_ORG_ID = "11111111-2222-4333-8444-555555555555";

export function testBindings(fakeUrl: string, inlineJwks: { keys: object[] }, embedSigningKey: string) {
  return {
    EMBED_SIGNING_KEY: embedSigningKey,
    WEBHOOK_SECRETS_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
    ENVIRONMENT: "development",
    UPSTREAM_BASE_URL: fakeUrl,
    UPSTREAM_API_TOKEN: "fake-upstream-token",
    UPSTREAM_TIMEOUT_MS: "1500",
    UPSTREAM_MAX_BODY_BYTES: String(256 * 1024),
    JWT_AUDIENCE: "heat-pump-edge",
    // The upstream circuit breaker never opens for the tests at large (they fail Podero on purpose, in parallel);
    // its own tests set low thresholds and a circuit of their own (UPSTREAM_CIRCUIT_NAME).
    UPSTREAM_CIRCUIT_MIN_CALLS: "1000000",
    // Likewise the upstream budget never binds for the tests at large; its own test sets a low one on a circuit of
    // its own.
    UPSTREAM_MAX_REQUESTS_PER_SECOND: "100000",
    PARTNER_ISSUERS: JSON.stringify([
      { issuer: ISSUERS.a, jwks_uri: `${fakeUrl}/__idp/partner-a/jwks.json`, orgs: "*" },
      { issuer: ISSUERS.b, jwks: inlineJwks, orgs: "*" },
      { issuer: ISSUERS.limited, jwks_uri: `${fakeUrl}/__idp/limited/jwks.json`, orgs: [LIMITED_ORG_ID] },
      { issuer: ISSUERS.counted, jwks_uri: `${fakeUrl}/__idp/counted/jwks.json`, orgs: "*" },
    ]),
  };
}
