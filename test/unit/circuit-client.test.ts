import { describe, expect, it } from "vitest";
import { UpstreamAuthError, UpstreamError, UserNotFoundError } from "../../src/problems/errors.ts";
import { circuitClient, CircuitOpenError } from "../../src/upstream/circuit.ts";

const SETTINGS = { windowSeconds: 30, minCalls: 4, failureRatio: 0.5, cooldownSeconds: 30, probes: 2, probeTimeoutSeconds: 9 };

describe("the isolate's circuit client", () => {
  it("lets calls through, within about a second, when the circuit does not answer (and never stalls a read on it)", async () => {
    const silent = { admit: () => new Promise<never>(() => undefined), report: () => new Promise<never>(() => undefined), state: () => new Promise<never>(() => undefined) };
    const client = circuitClient(silent, `silent-${crypto.randomUUID()}`, SETTINGS, () => undefined)!;
    const started = Date.now();
    await client.admit();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("refuses with a 503 and the circuit's Retry-After when it is open, and tells outcomes apart (a 403 is no credentials refusal)", async () => {
    const reported: unknown[] = [];
    const open = {
      admit: async () => ({ admitted: false, view: { state: "open" as const, since: new Date().toISOString(), retry_after_s: 17 } }),
      report: async (outcomes: unknown[]) => (reported.push(...outcomes), { state: "closed" as const, since: new Date().toISOString() }),
      state: async () => ({ state: "open" as const, since: new Date().toISOString() }),
    };
    const client = circuitClient(open, `open-${crypto.randomUUID()}`, SETTINGS, (promise) => void promise)!;
    const refusal = await client.admit().then(() => undefined, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect((refusal as CircuitOpenError).headers["retry-after"]).toBe("17");
    client.report(undefined);
    client.report(new UserNotFoundError("x"));
    client.report(new UpstreamError("x"));
    client.report(new UpstreamAuthError("x", { cause: { credentialsRefused: false } })); // a 403 on a data call
    client.report(new UpstreamAuthError("x", { cause: { credentialsRefused: true } })); // a 401
    client.report(new CircuitOpenError("x")); // its own refusal: not an outcome
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reported).toEqual([{ ok: true }, { ok: true }, { ok: false }, { ok: false, auth: false }, { ok: false, auth: true }]);
  });
});
