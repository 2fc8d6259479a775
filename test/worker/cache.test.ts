import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { authorize } from "../../src/auth/authorize.ts";
import { cacheKey } from "../../src/cache/entry.ts";
import worker from "../../src/index.ts";
import { parseHeatPumpList } from "../../src/upstream/parse-list.ts";
import { api, exchangeEmbedToken, listPath, newIds, problem, scenario, token, upstreamCalls, type Ids } from "./helpers.ts";

// The edge cache against real (local) KV and the fake Podero over real HTTP. Each test has its own
// organisation and user, so its cache key and upstream counter are its own.

function grant(ids: Ids) {
  return authorize({ issuer: "t", subject: undefined, orgId: ids.orgId, userId: undefined, scopes: new Set(["heat_pumps:read"]), issuerOrgs: "*" }, ids);
}

/** Puts a copy into KV as if the edge had fetched it `ageSeconds` ago. */
async function seed(ids: Ids, items: Record<string, unknown>[], ageSeconds: number) {
  const entry = { v: 1, kind: "list", fetchedAt: Date.now() - ageSeconds * 1000, items: parseHeatPumpList(items).items, invalid: [] };
  await env.CACHE.put(cacheKey(grant(ids)), JSON.stringify(entry));
}

async function get(ids: Ids, jwt: string, init: { query?: string; headers?: Record<string, string> } = {}) {
  const response = await api(listPath(ids, init.query ?? ""), { token: jwt, headers: init.headers });
  const body = response.status === 200 ? ((await response.json()) as { data: { id: string }[]; meta: { fetched_at: string; stale: boolean } }) : undefined;
  return { response, body, status: response.headers.get("cache-status") ?? "" };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition not reached");
}

describe("edge cache", () => {
  it("answers a miss from Podero and the next request from the cache", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    const first = await get(ids, jwt);
    expect(first.status).toBe("heat-pump-edge; fwd=miss; fwd-status=200; stored");
    const second = await get(ids, jwt);
    expect(second.status).toMatch(/^heat-pump-edge; hit; ttl=(2\d|30); detail=memory$/);
    expect(second.body!.meta.fetched_at).toBe(first.body!.meta.fetched_at);
    expect(second.response.headers.get("cache-control")).toMatch(/^private, max-age=(2\d|30)$/);
    expect(Number(second.response.headers.get("age"))).toBeLessThan(5);
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
  });

  it("serves every view from the one entry", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    const { body } = await get(ids, jwt);
    const id = body!.data[0]!.id;
    for (const path of [listPath(ids, "?view=compact"), listPath(ids, "?status=ok"), `${listPath(ids)}/${id}`, `/api/partners/v2.0/org/${ids.orgId}/users/${ids.userId}/heat-pumps`]) {
      const response = await api(path, { token: jwt });
      expect(response.status, path).toBe(200);
      expect(response.headers.get("cache-status"), path).toMatch(/; hit; /);
    }
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
  });

  it("finds another isolate's copy in KV", async () => {
    const ids = newIds();
    await seed(ids, [heatPump({}, "kv-copy")], 5);
    const { status, body } = await get(ids, await token(ids));
    expect(status).toMatch(/; hit; ttl=2\d; detail=kv$/);
    expect(body!.data[0]!.id).toBe(heatPump({}, "kv-copy").id);
    expect((await upstreamCalls(ids.userId)).calls).toBe(0);
  });

  it("goes fresh → stale-while-revalidate → refreshed", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await seed(ids, [heatPump({}, "old")], 60); // past the 30 s freshness, within the 300 s window
    await scenario(ids.userId, { items: [heatPump({}, "new")] });

    const stale = await get(ids, jwt);
    expect(stale.status).toMatch(/^heat-pump-edge; hit; ttl=-6\d; detail=stale-while-revalidate$/);
    expect(stale.body!.data[0]!.id).toBe(heatPump({}, "old").id); // answered at once with the stored copy
    expect(stale.body!.meta.stale).toBe(false);
    expect(stale.response.headers.get("cache-control")).toBe("private, max-age=0");

    await until(() => upstreamCalls(ids.userId), (calls) => calls.calls === 1); // one refresh in the background
    const refreshed = await until(() => get(ids, jwt), (answer) => answer.body!.data[0]!.id === heatPump({}, "new").id);
    expect(refreshed.status).toMatch(/; hit; ttl=(2\d|30); detail=(memory|kv)$/);
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
  });

  it("after a failed background revalidation, says stale (and Podero's status) for the rest of the window", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await seed(ids, [heatPump({}, "swr-failing")], 60);
    await scenario(ids.userId, { queue: Array.from({ length: 10 }, () => ({ status: 503 })) });
    const first = await get(ids, jwt);
    expect(first.body!.meta.stale).toBe(false); // nothing is known to be wrong yet
    await until(() => upstreamCalls(ids.userId), (calls) => calls.calls >= 1); // the background revalidation ran (and failed)
    const later = await until(() => get(ids, jwt), (answer) => answer.body!.meta.stale);
    expect(later.response.status).toBe(200);
    expect(later.body!.data[0]!.id).toBe(heatPump({}, "swr-failing").id);
    expect(later.status).toMatch(/^heat-pump-edge; hit; fwd=stale; fwd-status=503; ttl=-6\d; detail=stale-while-revalidate$/);
    // The next isolate knows it too: the mark is in KV.
    const stored = (await env.CACHE.get(cacheKey(grant(ids)), "json")) as { failedStatus?: number };
    expect(stored.failedStatus).toBe(503);
  });

  it("marks the copy stale after any failed background revalidation: an unreadable body too, once in KV", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await seed(ids, [heatPump({}, "swr-bad-body")], 60);
    await scenario(ids.userId, { queue: Array.from({ length: 10 }, () => ({ body: "<html>maintenance</html>" })) });
    await get(ids, jwt);
    const later = await until(() => get(ids, jwt), (answer) => answer.body!.meta.stale);
    expect(later.status).toMatch(/; hit; fwd=stale; fwd-status=\d+; ttl=-6\d; detail=stale-while-revalidate$/);
    expect(((await env.CACHE.get(cacheKey(grant(ids)), "json")) as { failedAt?: number }).failedAt).toBeGreaterThan(0);
  });

  it("serves the stored copy, marked stale, when Podero fails (stale-if-error)", async () => {
    const ids = newIds();
    await seed(ids, [heatPump({}, "kept")], 3600); // past the revalidate window, within a day
    await scenario(ids.userId, { queue: [{ status: 503 }, { status: 503 }] });
    const { response, body, status } = await get(ids, await token(ids));
    expect(response.status).toBe(200);
    expect(body!.meta.stale).toBe(true);
    expect(body!.data[0]!.id).toBe(heatPump({}, "kept").id);
    expect(status).toMatch(/^heat-pump-edge; hit; fwd=stale; fwd-status=503; ttl=-36\d\d; detail=stale-if-error$/);
    expect(Number(response.headers.get("age"))).toBeGreaterThanOrEqual(3600);
  });

  it("answers the upstream's problem when there is no stored copy, or it is too old", async () => {
    const cold = newIds();
    await scenario(cold.userId, { queue: [{ status: 503 }, { status: 503 }] });
    await problem((await get(cold, await token(cold))).response, 503, "upstream_unavailable");

    const ancient = newIds();
    await seed(ancient, [heatPump({}, "ancient")], 2 * 86400);
    await scenario(ancient.userId, { queue: [{ status: 500 }] });
    await problem((await get(ancient, await token(ancient))).response, 502, "upstream_error");
  });

  it("makes exactly one upstream call for 100 concurrent requests on a cold key", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await scenario(ids.userId, { queue: [{ delay_ms: 600, json: [heatPump({}, "burst")] }] });
    const answers = await Promise.all(Array.from({ length: 100 }, () => get(ids, jwt)));
    expect(answers.map((answer) => answer.response.status)).toEqual(Array(100).fill(200));
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
    // All but one waited for that call (or, on a slow machine, arrived after it and hit the cache).
    expect(answers.filter((answer) => answer.status.endsWith("; collapsed") || answer.status.includes("; hit; ")).length).toBe(99);
    expect(new Set(answers.map((answer) => answer.body!.data[0]!.id))).toEqual(new Set([heatPump({}, "burst").id]));
  });

  it("never stores errors", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    // A 1 s failure backoff (backoff.test.ts), so the test can ask again once it is over.
    const fetchNow = async () => {
      const ctx = createExecutionContext();
      const request = new Request(`https://edge.example${listPath(ids)}`, { headers: { authorization: `Bearer ${jwt}` } });
      const response = await worker.fetch(request, { ...env, UPSTREAM_FAILURE_BACKOFF_SECONDS: "1" } as typeof env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    await scenario(ids.userId, { queue: [{ status: 500, body: "<html>oops</html>" }] });
    await problem(await fetchNow(), 502, "upstream_error");
    expect(await env.CACHE.get(cacheKey(grant(ids)), "json")).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await fetchNow()).status).toBe(200);
    expect((await upstreamCalls(ids.userId)).calls).toBe(2);
    expect(await env.CACHE.get(cacheKey(grant(ids)), "json")).toMatchObject({ kind: "list" });
  });

  it("remembers an upstream 404 briefly (negative entry)", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await scenario(ids.userId, { queue: [{ status: 404, json: { detail: "Not found." } }] });
    await problem((await get(ids, jwt)).response, 404, "user_not_found");
    const again = await get(ids, jwt);
    await problem(again.response, 404, "user_not_found");
    expect(again.response.headers.get("cache-status")).toBe("heat-pump-edge; hit; detail=negative");
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
  });
});

describe("HTTP validators", () => {
  it("gives each representation a strong ETag and answers 304 to If-None-Match", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    const full = await api(listPath(ids), { token: jwt });
    const tag = full.headers.get("etag")!;
    expect(tag).toMatch(/^"[0-9a-f]{40}"$/);
    const compactTag = (await api(listPath(ids, "?view=compact"), { token: jwt })).headers.get("etag");
    expect(compactTag).not.toBe(tag);

    const notModified = await api(listPath(ids), { token: jwt, headers: { "if-none-match": `"other", ${tag}` } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    expect(notModified.headers.get("etag")).toBe(tag);
    expect(notModified.headers.get("cache-status")).toMatch(/; hit; /);
    expect(notModified.headers.get("cache-control")).toMatch(/^private, max-age=/);
    expect(notModified.headers.get("x-request-id")).toBeTruthy();
    expect(notModified.headers.get("age")).not.toBeNull();

    expect((await api(listPath(ids), { token: jwt, headers: { "if-none-match": '"stale-tag"' } })).status).toBe(200);
  });

  it("changes the ETag when the data changes", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    await seed(ids, [heatPump({ dhw_temperature: 40 }, "etag")], 10);
    const before = (await api(listPath(ids), { token: jwt })).headers.get("etag")!;
    await scenario(ids.userId, { items: [heatPump({ dhw_temperature: 55 }, "etag")] });
    const refresher = await token(ids, { claims: { scope: "heat_pumps:read heat_pumps:refresh" } });
    const after = await api(listPath(ids), { token: refresher, headers: { "if-none-match": before, "cache-control": "no-cache" } });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(before);
  });

  it("needs auth before a 304: a stolen ETag without a valid token gets 401", async () => {
    const ids = newIds();
    const tag = (await api(listPath(ids), { token: await token(ids) })).headers.get("etag")!;
    await problem(await api(listPath(ids), { headers: { "if-none-match": tag } }), 401, "missing_token");
  });
});

const REFRESHER = { claims: { scope: "heat_pumps:read heat_pumps:refresh" } };

describe("forced refresh", () => {
  it("revalidates on Cache-Control: no-cache from a token with heat_pumps:refresh, at most once per key per interval", async () => {
    const ids = newIds();
    const jwt = await token(ids, REFRESHER);
    await get(ids, jwt);
    const throttled = await get(ids, jwt, { headers: { "cache-control": "no-cache" } });
    expect(throttled.status).toMatch(/; hit; ttl=\d+; detail=refresh-throttled$/);
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);

    const older = newIds();
    const olderJwt = await token(older, REFRESHER);
    await seed(older, [heatPump({}, "ten-seconds")], 10);
    const refreshed = await get(older, olderJwt, { headers: { "cache-control": "no-cache" } });
    expect(refreshed.status).toBe("heat-pump-edge; fwd=request; fwd-status=200; stored");
    expect((await upstreamCalls(older.userId)).calls).toBe(1);
  });

  it("ignores Cache-Control: no-cache from a read-only partner token and from embed tokens (card and widget data)", async () => {
    const ids = newIds();
    await seed(ids, [heatPump({}, "no-force")], 10);
    const noCache = { "cache-control": "no-cache", pragma: "no-cache" };
    const readOnly = await get(ids, await token(ids), { headers: noCache });
    expect(readOnly.status).toMatch(/; hit; ttl=\d+; detail=(memory|kv)$/);
    const embed = ((await (await exchangeEmbedToken(ids, { origins: ["https://app.partner.example"] })).json()) as { token: string }).token;
    const widget = await api(`/v1/embed/heat-pumps?token=${encodeURIComponent(embed)}`, { headers: noCache });
    expect(widget.status).toBe(200);
    expect(widget.headers.get("cache-status")).toMatch(/; hit; ttl=\d+; detail=(memory|kv)$/);
    for (const part of ["", "&part=cards"]) {
      expect((await api(`/embed/heat-pumps?token=${encodeURIComponent(embed)}${part}`, { headers: noCache })).status).toBe(200);
    }
    expect((await upstreamCalls(ids.userId)).calls).toBe(0);
  });

  it("POST …/refresh needs heat_pumps:refresh and says whether it refreshed", async () => {
    const ids = newIds();
    const path = `${listPath(ids)}/refresh`;
    await problem(await api(path, { method: "POST", token: await token(ids) }), 403, "insufficient_scope");

    const jwt = await token(ids, { claims: { scope: "heat_pumps:read heat_pumps:refresh" } });
    await seed(ids, [heatPump({}, "before-refresh")], 20);
    const first = await api(`${path}?view=compact`, { method: "POST", token: jwt });
    const firstBody = (await first.json()) as { data: unknown[]; meta: { refreshed: boolean; view: string } };
    expect(first.status).toBe(200);
    expect(firstBody.meta).toMatchObject({ refreshed: true, view: "compact" });
    expect(first.headers.get("cache-status")).toMatch(/fwd=request/);

    const second = await api(path, { method: "POST", token: jwt });
    expect(((await second.json()) as { meta: { refreshed: boolean } }).meta.refreshed).toBe(false);
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
  });
});

describe("a failing KV", () => {
  const failingKv = (failOn: "get" | "put") =>
    ({
      get: async (key: string) => {
        if (failOn === "get") throw new Error("KV GET failed: 500 Internal Server Error");
        return env.CACHE.get(key, "json");
      },
      put: async (...args: Parameters<KVNamespace["put"]>) => {
        if (failOn === "put") throw new Error("KV PUT failed: 429 Too Many Requests");
        return env.CACHE.put(...args);
      },
    }) as unknown as KVNamespace;

  for (const failOn of ["get", "put"] as const) {
    it(`degrades to the upstream when KV throws on ${failOn}`, async () => {
      const ids = newIds();
      const ctx = createExecutionContext();
      const request = new Request(`https://edge.example${listPath(ids)}`, { headers: { authorization: `Bearer ${await token(ids)}` } });
      const response = await worker.fetch(request, { ...env, CACHE: failingKv(failOn) }, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-status")).toMatch(/fwd=miss/);
      expect((await upstreamCalls(ids.userId)).calls).toBe(1);
    });
  }
});

describe("tenant isolation through the cache", () => {
  it("never gives one user's entry to a token limited to another user, in either order", async () => {
    const org = crypto.randomUUID();
    const alice = { orgId: org, userId: crypto.randomUUID() };
    const bob = { orgId: org, userId: crypto.randomUUID() };
    const aliceOnly = await token(alice, { claims: { user_id: alice.userId } });
    const bobOnly = await token(bob, { claims: { user_id: bob.userId } });
    expect((await get(bob, bobOnly)).response.status).toBe(200); // Bob's entry is cached …
    await problem((await get(bob, aliceOnly)).response, 403, "forbidden_user"); // … and Alice cannot have it
    const aliceAnswer = await get(alice, aliceOnly);
    await problem((await get(alice, bobOnly)).response, 403, "forbidden_user");
    const bobAnswer = await get(bob, bobOnly);
    expect(aliceAnswer.body!.data.map((hp) => hp.id)).not.toEqual(bobAnswer.body!.data.map((hp) => hp.id));
  });

  it("keeps the same user id in two organisations apart", async () => {
    const userId = crypto.randomUUID();
    const orgA = { orgId: crypto.randomUUID(), userId };
    const orgB = { orgId: crypto.randomUUID(), userId };
    const a = await get(orgA, await token(orgA));
    const b = await get(orgB, await token(orgB));
    expect(b.status).toMatch(/fwd=miss/);
    expect(a.body!.data.map((hp) => hp.id)).not.toEqual(b.body!.data.map((hp) => hp.id));
    await problem((await get(orgB, await token(orgA))).response, 403, "forbidden_organisation");
    expect((await upstreamCalls(userId)).calls).toBe(2);
  });
});

describe("rate limiting", () => {
  it("answers 429 with Retry-After and RateLimit headers past the partner's limit", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    const limited = { ...env, PARTNER_RATE_LIMITER: (env as unknown as { TEST_RATE_LIMITER: RateLimit }).TEST_RATE_LIMITER, RATE_LIMIT_REQUESTS: "3" };
    const call = (who: Ids, bearer: string) =>
      worker.fetch(new Request(`https://edge.example${listPath(who)}`, { headers: { authorization: `Bearer ${bearer}` } }), limited, createExecutionContext());
    for (let i = 0; i < 3; i++) {
      const ok = await call(ids, jwt);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("ratelimit-policy")).toBe('"partner";q=3;w=60');
    }
    const refused = await call(ids, jwt);
    const body = await problem(refused, 429, "rate_limited");
    expect(body.detail).toMatch(/More than 3 requests in 60 s/);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.headers.get("ratelimit")).toBe('"partner";r=0;t=60');
    expect(refused.headers.get("ratelimit-policy")).toBe('"partner";q=3;w=60');
    // Another organisation has its own budget.
    const other = newIds();
    expect((await call(other, await token(other))).status).toBe(200);
  });

  it("limits the card like the widget data, per organisation and user: one viewer cannot spend the organisation's budget", async () => {
    const ids = newIds();
    const limited = { ...env, PARTNER_RATE_LIMITER: (env as unknown as { TEST_RATE_LIMITER: RateLimit }).TEST_RATE_LIMITER, RATE_LIMIT_REQUESTS: "3" };
    const fetchLimited = (path: string, bearer?: string) =>
      worker.fetch(new Request(`https://edge.example${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }), limited, createExecutionContext());
    const embedFor = async (who: Ids) => ((await (await exchangeEmbedToken(who, { origins: ["https://app.partner.example"] })).json()) as { token: string }).token;
    const embed = await embedFor(ids);
    const cardPath = `/embed/heat-pumps?token=${encodeURIComponent(embed)}`;
    const widgetPath = `/v1/embed/heat-pumps?token=${encodeURIComponent(embed)}`;
    const statuses = [];
    for (const path of [cardPath, widgetPath, cardPath, cardPath, widgetPath]) statuses.push((await fetchLimited(path)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refusedCard = await fetchLimited(cardPath);
    expect(refusedCard.headers.get("retry-after")).toBe("60");
    expect(await refusedCard.text()).toMatch(/role="alert">[^<]+</);
    await problem(await fetchLimited(widgetPath), 429, "rate_limited");
    // Another user of the same organisation, and the partner itself, still have their budgets.
    const neighbour = { orgId: ids.orgId, userId: crypto.randomUUID() };
    expect((await fetchLimited(`/embed/heat-pumps?token=${encodeURIComponent(await embedFor(neighbour))}`)).status).toBe(200);
    expect((await fetchLimited(listPath(ids), await token(ids))).status).toBe(200);
  });
});
