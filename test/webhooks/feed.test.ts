import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { FEED_SQL, recordFeed } from "../../src/webhooks/store/feed.ts";
import { token } from "../worker/helpers.ts";
import { check, E, partnerApi, pastRefreshThrottle, received, setItems, subscribe, until, watch } from "./helpers.ts";

// The event feed (issue 13): the events the webhooks deliver, pulled in order with a stored cursor.
interface FeedPage {
  data: { id: string; type: string; timestamp: string; user_id: string; data: Record<string, unknown> }[];
  next_cursor: string;
}
const feed = async (orgId: string, query = "") => (await (await partnerApi(orgId, `/v1/orgs/${orgId}/events${query}`)).json()) as FeedPage;

describe("GET /v1/orgs/{org_id}/events", () => {
  it("lists the events a receiver got — same ids, types and payloads — in order, and resumes from a cursor without gaps or repeats", async () => {
    const orgId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    const receiver = crypto.randomUUID();
    const { secret } = await subscribe(orgId, receiver);
    await watch(orgId, userId);
    const pump = heatPump({}, `feed-${userId}`);
    await setItems(userId, [pump]);
    pastRefreshThrottle();
    await check(orgId, userId); // baseline
    await setItems(userId, [{ ...pump, connection_status: "error" }, heatPump({}, `feed-b-${userId}`)]);
    pastRefreshThrottle();
    await check(orgId, userId); // two events
    const deliveries = await until(() => received(receiver), (list) => list.length >= 2);
    const delivered = deliveries.map((delivery) => ({ id: delivery.headers["webhook-id"], body: new Webhook(secret).verify(delivery.body, delivery.headers) as { type: string; data: unknown } }));

    const all = await feed(orgId);
    expect(all.data.map((event) => event.id).sort()).toEqual(delivered.map((event) => event.id).sort());
    for (const event of all.data) {
      const twin = delivered.find((candidate) => candidate.id === event.id)!;
      expect({ type: event.type, data: event.data }).toEqual({ type: twin.body.type, data: twin.body.data });
      expect(event.user_id).toBe(userId);
    }

    const first = await feed(orgId, "?limit=1");
    const second = await feed(orgId, `?limit=1&after=${first.next_cursor}`);
    const third = await feed(orgId, `?limit=1&after=${second.next_cursor}`);
    expect([...first.data, ...second.data].map((event) => event.id)).toEqual(all.data.map((event) => event.id));
    expect(third).toEqual({ data: [], next_cursor: second.next_cursor }); // nothing new: the same cursor to keep
    expect((await feed(orgId, "?types=heat_pump.created")).data.map((event) => event.type)).toEqual(["heat_pump.created"]);
    expect((await feed(orgId, `?user_id=${crypto.randomUUID()}`)).data).toEqual([]);
  });

  it("stores each event id once per organisation (what a re-run check relies on), other organisations apart", async () => {
    const orgId = crypto.randomUUID();
    const event = { event_id: `msg_${crypto.randomUUID()}`, event_type: "heat_pump.updated", payload: JSON.stringify({ type: "heat_pump.updated", timestamp: new Date().toISOString(), data: {} }) };
    await recordFeed(E.DB, orgId, crypto.randomUUID(), [event], new Date().toISOString());
    await recordFeed(E.DB, orgId, crypto.randomUUID(), [event], new Date().toISOString());
    expect((await feed(orgId)).data).toHaveLength(1);
    expect((await feed(crypto.randomUUID())).data).toEqual([]);
  });

  it("reads by index, and is refused to a token limited to one user", async () => {
    const { results } = await E.DB.prepare(`EXPLAIN QUERY PLAN ${FEED_SQL}`).bind("org", 0, 10).all<{ detail: string }>();
    expect(results.map((row) => row.detail).join("\n")).toMatch(/SEARCH org_events USING (COVERING )?INDEX org_events_feed \(org_id=\? AND seq>\?\)/);
    const orgId = crypto.randomUUID();
    const userBound = await token({ orgId, userId: "" }, { claims: { scope: "heat_pumps:read", user_id: crypto.randomUUID() } });
    const answer = await E.API.fetch(new Request(`https://edge.example/v1/orgs/${orgId}/events`, { headers: { authorization: `Bearer ${userBound}` } }));
    expect(answer.status).toBe(403);
  });
});
