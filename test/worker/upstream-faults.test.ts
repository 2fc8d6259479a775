import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index.ts";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { api, FAKE, listPath, newIds, problem, scenario, token, upstreamCalls, type FakeResponse, type Ids } from "./helpers.ts";

/**
 * One request against a scripted upstream. Each has an upstream circuit of its own: a 401 from Podero opens the
 * circuit at once (circuit.test.ts), which must not close Podero to the other tests running beside these.
 */
async function answerWith(queue: FakeResponse[], path: (ids: Ids) => string = listPath, scope = "heat_pumps:read") {
  const ids = newIds();
  await scenario(ids.userId, { queue });
  const ctx = createExecutionContext();
  const request = new Request(`https://edge.example${path(ids)}`, { headers: { authorization: `Bearer ${await token(ids, { claims: { scope } })}` } });
  const response = await worker.fetch(request, { ...env, UPSTREAM_CIRCUIT_NAME: `faults-${crypto.randomUUID()}` } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return { ids, response, calls: async () => (await upstreamCalls(ids.userId)).calls };
}

describe("upstream status mapping", () => {
  it("maps 404 to a 404 problem", async () => {
    const { response } = await answerWith([{ status: 404, json: { detail: "Not found." } }]);
    await problem(response, 404, "user_not_found");
  });

  it("maps 401 and 403 (the edge's own credentials) to 502", async () => {
    for (const status of [401, 403]) {
      const { response, calls } = await answerWith([{ status, json: { detail: "Invalid token." } }]);
      await problem(response, 502, "upstream_auth_failed");
      expect(await calls()).toBe(1); // a static token cannot be renewed
    }
  });

  it("maps 429 to 503 with the upstream's Retry-After, without retrying", async () => {
    const { response, calls } = await answerWith([{ status: 429, headers: { "retry-after": "17" }, json: { detail: "Throttled." } }]);
    const body = await problem(response, 503, "upstream_unavailable");
    expect(response.headers.get("retry-after")).toBe("17");
    expect(body.retry_after_s).toBe(17);
    expect(await calls()).toBe(1);
  });

  it("retries a 503 once, then answers 503 with a default Retry-After", async () => {
    const { response, calls } = await answerWith([{ status: 503 }, { status: 503 }]);
    await problem(response, 503, "upstream_unavailable");
    expect(response.headers.get("retry-after")).toBe("30");
    expect(await calls()).toBe(2);
  });

  it("does not retry a 503 whose Retry-After is beyond the deadline", async () => {
    const { response, calls } = await answerWith([{ status: 503, headers: { "retry-after": "120" } }]);
    await problem(response, 503, "upstream_unavailable");
    expect(response.headers.get("retry-after")).toBe("120");
    expect(await calls()).toBe(1);
  });

  it("retries a 502 once and serves the second answer", async () => {
    const { response, calls } = await answerWith([{ status: 502, body: "<html>Bad Gateway</html>", headers: { "content-type": "text/html" } }]);
    expect(response.status).toBe(200);
    expect(await calls()).toBe(2);
  });

  it("maps two 504s to 502", async () => {
    const { response, calls } = await answerWith([{ status: 504 }, { status: 504 }]);
    await problem(response, 502, "upstream_error");
    expect(await calls()).toBe(2);
  });

  it("maps an HTML 500 to 502 without retrying it", async () => {
    const { response, calls } = await answerWith([{ status: 500, body: "<!doctype html><h1>Server Error (500)</h1>", headers: { "content-type": "text/html" } }]);
    const body = await problem(response, 502, "upstream_error");
    expect(body.detail).toBe("Podero answered 500.");
    expect(await calls()).toBe(1);
  });

  it("does not follow redirects (the token must not travel elsewhere)", async () => {
    // The target answers and records who called (with which Authorization): following would be seen.
    const elsewhere = newIds();
    const target = `${FAKE}/api/partners/v2.0/org/${elsewhere.orgId}/users/${elsewhere.userId}/heat-pumps`;
    const { response } = await answerWith([{ status: 302, headers: { location: target } }]);
    await problem(response, 502, "upstream_error");
    const followed = await upstreamCalls(elsewhere.userId);
    expect(followed.calls).toBe(0);
    expect(followed.last_headers.authorization).toBeUndefined();
  });
});

describe("upstream bodies", () => {
  it("maps malformed JSON to 502", async () => {
    const { response } = await answerWith([{ body: '[{"id": "3c90c3cc-', headers: { "content-type": "application/json" } }]);
    await problem(response, 502, "upstream_bad_response");
  });

  it("maps a JSON body that is not an array to 502", async () => {
    const { response } = await answerWith([{ json: { results: [heatPump()] } }]);
    const body = await problem(response, 502, "upstream_bad_response");
    expect(body.detail).toMatch(/not an array/);
  });

  it("refuses a body over the size limit, declared or streamed", async () => {
    const big = JSON.stringify(Array.from({ length: 400 }, (_, i) => heatPump({ comment: "x".repeat(300) }, `big-${i}`)));
    expect(big.length).toBeGreaterThan(256 * 1024);
    for (const chunked of [false, true]) {
      const { response } = await answerWith([{ body: big, chunked }]);
      const body = await problem(response, 502, "upstream_bad_response");
      expect(body.detail).toMatch(/larger than the edge accepts/);
    }
  });

  it("serves drifted data: unknown enum values, new fields, missing optional fields, nulls", async () => {
    const drifted = heatPump({ connection_status: "degraded", price_zone: "HU", new_thing: 1, comment: undefined, dhw_temperature: null, optimization_level: null }, "drift");
    delete drifted.comment;
    const { response } = await answerWith([{ json: [drifted] }], listPath, "heat_pumps:read owners:read");
    expect(response.status).toBe(200);
    const { data, meta } = (await response.json()) as { data: Record<string, any>[]; meta: Record<string, unknown> };
    expect(data[0]!.status.connection).toBe("unknown");
    expect(data[0]!.status.overall).toBe("unknown");
    expect(data[0]!.price_zone).toBe("HU");
    expect(data[0]!.additional_upstream_fields).toEqual({ new_thing: 1 });
    expect(data[0]!.hot_water.actual_c).toBeNull();
    expect(data[0]!.optimisation.level).toBe("Mid");
    expect(meta.invalid_items).toEqual([]);
  });

  it("serves the good items of a list with one bad item, and names the bad one", async () => {
    const good = heatPump({}, "good");
    const bad = heatPump({ device_model: "Vaillant" }, "bad");
    const { response } = await answerWith([{ json: [good, bad] }]);
    expect(response.status).toBe(200);
    const { data, meta } = (await response.json()) as { data: { id: string }[]; meta: { count: number; invalid_items: unknown[] } };
    expect(data.map((item) => item.id)).toEqual([good.id]);
    expect(meta.count).toBe(1);
    expect(meta.invalid_items).toEqual([{ index: 1, id: bad.id, issues: [expect.stringMatching(/^device_model: /)] }]);
  });
});

describe("upstream time and network", () => {
  it("answers 504 when the upstream is slower than the deadline", async () => {
    const started = Date.now();
    const { response } = await answerWith([{ delay_ms: 5000, json: [] }]);
    await problem(response, 504, "upstream_timeout");
    expect(Date.now() - started).toBeLessThan(4500); // the deadline (1500 ms in tests) cut it, not the upstream
  });

  it("retries a dropped connection once and serves the second answer", async () => {
    const { response, calls } = await answerWith([{ drop: true }]);
    expect(response.status).toBe(200);
    expect(await calls()).toBe(2);
  });

  it("maps two dropped connections to 502", async () => {
    const { response, calls } = await answerWith([{ drop: true }, { drop: true }]);
    const body = await problem(response, 502, "upstream_error");
    expect(body.detail).toMatch(/could not be reached/);
    expect(await calls()).toBe(2);
  });

  it("propagates traceparent (as a child span) and the request id", async () => {
    const ids = newIds();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await api(listPath(ids), {
      token: await token(ids),
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "partner-req-42" },
    });
    expect(response.status).toBe(200);
    const { last_headers: sent } = await upstreamCalls(ids.userId);
    expect(sent.traceparent).toMatch(new RegExp(`^00-${traceId}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$`));
    expect(sent["x-request-id"]).toBe("partner-req-42");
    expect(sent.authorization).toBe("Bearer fake-upstream-token");
    expect(sent["user-agent"]).toMatch(/^heat-pump-edge\//);
  });

  it("maps faults the same way on the Podero-compatible route", async () => {
    const { response } = await answerWith([{ status: 429 }], (ids) => `/api/partners/v2.0/org/${ids.orgId}/users/${ids.userId}/heat-pumps`);
    await problem(response, 503, "upstream_unavailable");
  });
});
