import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { fleetQuery } from "../../src/webhooks/store/fleet.ts";
import { token } from "../worker/helpers.ts";
import { check, E, partnerApi, pastRefreshThrottle, setItems, watch } from "./helpers.ts";

// The fleet view (issue 13): every heat pump of an organisation's watched users, from the latest checks.
interface FleetPage {
  data: { user_id: string; heat_pump: { id: string; status: unknown }; meta: { fetched_at: string; stale: boolean } }[];
  next: string | null;
}
const fleet = async (orgId: string, query = "") => (await (await partnerApi(orgId, `/v1/orgs/${orgId}/heat-pumps${query}`)).json()) as FleetPage;

describe("GET /v1/orgs/{org_id}/heat-pumps", () => {
  it("lists every watched user's heat pumps after a poll, filtered and paged in (user_id, id) order, with a summary", async () => {
    const orgId = crypto.randomUUID();
    const users = [crypto.randomUUID(), crypto.randomUUID()].sort();
    const pumps = users.map((userId, i) => heatPump({}, `fleet-${i}-${userId}`));
    for (const [i, userId] of users.entries()) {
      await watch(orgId, userId);
      await setItems(userId, [pumps[i]!]);
    }
    pastRefreshThrottle();
    for (const userId of users) await check(orgId, userId);

    const all = await fleet(orgId);
    expect(all.data.map((item) => [item.user_id, item.heat_pump.id])).toEqual(users.map((userId, i) => [userId, pumps[i]!.id]));
    expect(all.data.every((item) => item.meta.stale === false && !JSON.stringify(item).includes("@"))).toBe(true); // no owners' e-mail
    expect(all.next).toBeNull();

    await setItems(users[1]!, [{ ...pumps[1]!, connection_status: "error" }]);
    pastRefreshThrottle();
    await check(orgId, users[1]!);
    const errors = await fleet(orgId, "?status=error&view=compact");
    expect(errors.data.map((item) => [item.user_id, item.heat_pump.status])).toEqual([[users[1], "error"]]);
    expect((await fleet(orgId, `?status=ok&status=warning`)).data.map((item) => item.user_id)).toEqual([users[0]]);
    expect((await fleet(orgId, `?user_id=${users[1]}`)).data).toHaveLength(1);
    expect((await fleet(orgId, `?changed_since=${encodeURIComponent(new Date(Date.now() - 500).toISOString())}`)).data.map((item) => item.user_id)).toEqual([users[1]]);

    const first = await fleet(orgId, "?limit=1");
    const second = await fleet(orgId, `?limit=1&after=${first.next}`);
    expect([first.data[0]!.user_id, second.data[0]!.user_id]).toEqual(users);
    expect(second.next).toBeNull();
    expect((await partnerApi(orgId, `/v1/orgs/${orgId}/heat-pumps?after=nonsense`)).status).toBe(400);
    // Bounded so a page's query stays within D1's 100 bound parameters: 51 users is a 400, not a failing query.
    const many = Array.from({ length: 51 }, () => `user_id=${crypto.randomUUID()}`).join("&");
    expect((await partnerApi(orgId, `/v1/orgs/${orgId}/heat-pumps?${many}`)).status).toBe(400);
    const tagged = await partnerApi(orgId, `/v1/orgs/${orgId}/heat-pumps`);
    expect((await partnerApi(orgId, `/v1/orgs/${orgId}/heat-pumps`, { headers: { "if-none-match": tagged.headers.get("etag")! } })).status).toBe(304);

    const summary = await (await partnerApi(orgId, `/v1/orgs/${orgId}/heat-pumps/summary`)).json();
    expect(summary).toMatchObject({ heat_pumps: 2, by_status: { ok: 1, error: 1, warning: 0, unknown: 0 } });
  });

  it("answers a filtered page by index, without sorting, and is refused to a token limited to one user", async () => {
    const plan = async (filter: Parameters<typeof fleetQuery>[1]) => {
      const { sql, values } = fleetQuery("org", filter, ["a", "b"], 10);
      const { results } = await E.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...values).all<{ detail: string }>();
      return results.map((row) => row.detail).join("\n");
    };
    const byStatus = await plan({ statuses: ["error"], actionNeeded: true });
    expect(byStatus).toMatch(/SEARCH fleet_heat_pumps USING INDEX fleet_by_status \(org_id=\? AND status=\?/);
    const everything = await plan({});
    expect(everything).toMatch(/SEARCH fleet_heat_pumps USING INDEX sqlite_autoindex_fleet_heat_pumps_1 \(org_id=\?/);
    for (const detail of [byStatus, everything]) expect(detail).not.toMatch(/SCAN|TEMP B-TREE/);

    const orgId = crypto.randomUUID();
    const userBound = await token({ orgId, userId: "" }, { claims: { scope: "heat_pumps:read", user_id: crypto.randomUUID() } });
    const answer = await E.API.fetch(new Request(`https://edge.example/v1/orgs/${orgId}/heat-pumps`, { headers: { authorization: `Bearer ${userBound}` } }));
    expect(answer.status).toBe(403);
  });
});
