import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import worker from "../../src/index.ts";
import { advanceClock, listPath, newIds, scenario, token, upstreamCalls, type Ids } from "./helpers.ts";

// Answers are made once per stored copy and reused (src/heat-pumps/representation.ts): they must still be what a
// fresh computation would say at every moment — above all the per-heat-pump `stale` flag, which flips with the clock.
const settings = { STATE_STALE_AFTER_SECONDS: "60", CACHE_TTL_SECONDS: "300" };

async function read(ids: Ids, jwt: string, query = "") {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://edge.example${listPath(ids, query)}`, { headers: { authorization: `Bearer ${jwt}` } }), { ...env, ...settings } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return { response, body: (await response.json()) as { data: { freshness?: { stale: boolean }; stale?: boolean }[] } };
}

describe("answers made once per stored copy", () => {
  it("flip a heat pump's stale flag at the moment a fresh answer would, with a new ETag, from the same stored copy", async () => {
    const ids = newIds();
    const jwt = await token(ids);
    const stateAt = new Date(Date.now() - 55_000).toISOString(); // stale in about 6 s (60 s, whole seconds)
    await scenario(ids.userId, { items: [heatPump({ current_state_last_updated_at: stateAt }, "flip")] });
    const first = await read(ids, jwt);
    expect(first.body.data[0]!.freshness!.stale).toBe(false);
    const again = await read(ids, jwt);
    expect(again.response.headers.get("etag")).toBe(first.response.headers.get("etag"));
    expect((await read(ids, jwt, "?view=compact")).body.data[0]!.stale).toBe(false);

    advanceClock(7_000);
    const later = await read(ids, jwt);
    expect(later.response.headers.get("cache-status")).toMatch(/; hit;/); // the same stored copy …
    expect(later.body.data[0]!.freshness!.stale).toBe(true); // … answered as of now
    expect(later.response.headers.get("etag")).not.toBe(first.response.headers.get("etag"));
    expect((await read(ids, jwt, "?view=compact")).body.data[0]!.stale).toBe(true);
    expect((await upstreamCalls(ids.userId)).calls).toBe(1);
  });

  it("keep callers apart: owners' data only for owners:read, from the same stored copy", async () => {
    const ids = newIds();
    await scenario(ids.userId, { items: [heatPump({}, "owners")] });
    const plain = await read(ids, await token(ids));
    const owners = await read(ids, await token(ids, { claims: { scope: "heat_pumps:read owners:read" } }));
    expect(JSON.stringify(plain.body)).not.toMatch(/"email"/);
    expect(JSON.stringify(owners.body)).toMatch(/"email"/);
    expect(owners.response.headers.get("etag")).not.toBe(plain.response.headers.get("etag"));
    expect(JSON.stringify((await read(ids, await token(ids))).body)).not.toMatch(/"email"/);
  });
});
