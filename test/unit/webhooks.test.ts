import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { heatPump } from "../../dev/fake-podero/fixtures.ts";
import { reshapeHeatPump } from "../../src/heat-pumps/reshape.ts";
import type { HeatPump } from "../../src/heat-pumps/schemas.ts";
import { parseHeatPumpList } from "../../src/upstream/parse-list.ts";
import { batchesBySize } from "../../src/webhooks/batches.ts";
import { detectChanges, nextSnapshot, webhookPayload } from "../../src/webhooks/changes.ts";
import { retryAfterSeconds } from "../../src/webhooks/worker/deliver.ts";
import { eventId } from "../../src/webhooks/event-id.ts";
import { EVENT_SCHEMAS } from "../../src/webhooks/event-schemas.ts";
import { EVENT_TYPES } from "../../src/webhooks/store/subscriptions.ts";
import { checkReceiverUrl } from "../../src/webhooks/receiver-url.ts";
import { afterAttempt, requeueDelay, RETRY_DELAYS_S, SCHEDULE_END_S } from "../../src/webhooks/worker/retry-schedule.ts";
import { newWebhookSecret, signWebhook } from "../../src/webhooks/signature.ts";

const NOW = Date.parse("2026-11-29T10:00:00Z");
function reshaped(...items: Record<string, unknown>[]): HeatPump[] {
  return parseHeatPumpList(items).items.map((item) => reshapeHeatPump(item, { now: NOW, staleAfterSeconds: 3600, ownersVisible: true }));
}

describe("signWebhook (Standard Webhooks)", () => {
  it("is verified by the reference implementation", async () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: "heat_pump.status_changed", timestamp: "2026-11-29T10:00:00.000Z", data: { heat_pump_id: "x" } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = await signWebhook([secret], "msg_2b8f", timestamp, body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it("signs with old and new secret during a rotation: either verifies", async () => {
    const [old, fresh] = [newWebhookSecret(), newWebhookSecret()];
    const body = "{}";
    const headers = await signWebhook([fresh, old], "msg_1", Math.floor(Date.now() / 1000), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    for (const secret of [old, fresh]) expect(new Webhook(secret).verify(body, { ...headers })).toEqual({});
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it("fails verification when the body is tampered with", async () => {
    const secret = newWebhookSecret();
    const headers = await signWebhook([secret], "msg_1", Math.floor(Date.now() / 1000), '{"a":1}');
    expect(() => new Webhook(secret).verify('{"a":2}', { ...headers })).toThrow();
  });
});

describe("webhook payloads and personal data", () => {
  it("carry no unknown upstream field, even one named like personal data, and no owner's e-mail or names", () => {
    const before = reshaped(heatPump({ owner_phone_number: "+49 170 5550123" }, "pd"));
    const after = reshaped(heatPump({ owner_phone_number: "+49 170 5550123", connection_status: "error", is_authenticated: false }, "pd"));
    expect(before[0]!.additional_upstream_fields).toEqual({ owner_phone_number: "+49 170 5550123" }); // reshaped as for owners:read
    const events = detectChanges(before, after);
    expect(events.map((event) => event.type)).toEqual(["heat_pump.status_changed"]);
    const payload = webhookPayload(events[0]!, new Date(NOW));
    expect(payload).not.toMatch(/5550123|owner_phone|Mustermann|erika/i);
    expect((JSON.parse(payload) as { data: { heat_pump: HeatPump } }).data.heat_pump.additional_upstream_fields).toEqual({});
  });
});

describe("detectChanges", () => {
  const a = heatPump({}, "a");
  const b = heatPump({}, "b");

  it("makes no events on the first poll (the baseline)", () => {
    expect(detectChanges(undefined, reshaped(a, b))).toEqual([]);
  });

  it("sees created and deleted heat pumps", () => {
    const events = detectChanges(reshaped(a), reshaped(b));
    expect(events.map((event) => event.type)).toEqual(["heat_pump.created", "heat_pump.deleted"]);
  });

  it("tells a status move once, with previous and current", () => {
    const events = detectChanges(reshaped(a), reshaped({ ...a, connection_status: "error", is_authenticated: false }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "heat_pump.status_changed", data: { heat_pump_id: a.id, previous: "ok", current: "error" } });
  });

  it("tells other changes as updated, with the changed fields", () => {
    const events = detectChanges(reshaped(a), reshaped({ ...a, dhw_temperature: 51, current_mode: "max" }));
    expect(events).toEqual([expect.objectContaining({ type: "heat_pump.updated" })]);
    expect((events[0]!.data as { changed_fields: string[] }).changed_fields).toEqual(["hot_water.actual_c", "optimisation.mode", "optimisation.mode_label"]);
  });

  it("ignores fields that move on every poll", () => {
    const moved = { ...a, last_monitoring_executed_at: "2026-11-29T09:59:00Z", current_state_last_updated_at: "2026-11-29T09:58:00Z", updated_at: "2026-11-29T09:59:30Z", consumption_last_updated_at: "2026-11-29T09:00:00Z" };
    expect(detectChanges(reshaped(a), reshaped(moved))).toEqual([]);
  });

  it("carries no owners' personal data and stays under 20 kB", () => {
    for (const event of detectChanges(reshaped(a), reshaped({ ...a, connection_status: "error" }, b))) {
      const payload = webhookPayload(event, new Date(NOW));
      expect(payload).not.toMatch(/Mustermann|erika|CRM-100234/i);
      expect(new TextEncoder().encode(payload).length).toBeLessThan(20_000);
      expect(JSON.parse(payload)).toMatchObject({ type: event.type, timestamp: "2026-11-29T10:00:00.000Z" });
    }
  });

});

describe("checkReceiverUrl (SSRF)", () => {
  it("accepts public https URLs", () => {
    expect(checkReceiverUrl("https://hooks.partner.example/heat-pumps?x=1", false)).toEqual({ url: "https://hooks.partner.example/heat-pumps?x=1" });
  });
  it("refuses http, credentials, localhost and private, loopback, link-local and unique-local addresses", () => {
    for (const url of [
      "http://hooks.partner.example/",
      "https://user:pw@hooks.partner.example/",
      "https://localhost/",
      "https://api.localhost/",
      "https://127.0.0.1/",
      "https://10.1.2.3/",
      "https://172.20.0.1/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data",
      "https://0.0.0.0/",
      "https://[::1]/",
      "https://[fd00::1]/",
      "https://[fe80::1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://2130706433/",
      "ftp://hooks.partner.example/",
    ]) {
      expect(checkReceiverUrl(url, false), url).toHaveProperty("error");
    }
  });
  it("allows local http receivers only with the development switch", () => {
    expect(checkReceiverUrl("http://127.0.0.1:9000/hook", true)).toEqual({ url: "http://127.0.0.1:9000/hook" });
    expect(checkReceiverUrl("http://localhost:9000/hook", false)).toHaveProperty("error");
  });
});

describe("afterAttempt (retry schedule)", () => {
  const noJitter = () => 0.5;
  it("delivers on 2xx and disables on 410", () => {
    expect(afterAttempt(1, 204, undefined)).toEqual({ outcome: "delivered" });
    expect(afterAttempt(3, 410, undefined)).toEqual({ outcome: "disable" });
  });
  it("retries on the documented schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), then dead-letters", () => {
    const delays = RETRY_DELAYS_S.map((_, index) => afterAttempt(index + 1, 500, undefined, noJitter));
    const documented = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400];
    expect(delays.map((verdict) => (verdict as { delaySeconds: number }).delaySeconds)).toEqual(documented);
    expect(RETRY_DELAYS_S.reduce((sum, delay) => sum + delay, 0) / 86400).toBeGreaterThan(3);
    expect(afterAttempt(RETRY_DELAYS_S.length + 1, 500, undefined)).toEqual({ outcome: "dead-letter" });
    expect(afterAttempt(1, undefined, undefined, noJitter)).toEqual({ outcome: "retry", delaySeconds: 5 });
  });
  it("jitters by ±10 % and honours a longer Retry-After on 429 and 503", () => {
    expect(afterAttempt(2, 500, undefined, () => 0)).toEqual({ outcome: "retry", delaySeconds: 270 });
    expect(afterAttempt(2, 500, undefined, () => 1)).toEqual({ outcome: "retry", delaySeconds: 330 });
    expect(afterAttempt(1, 429, 120, noJitter)).toEqual({ outcome: "retry", delaySeconds: 120 });
    expect(afterAttempt(1, 500, 120, noJitter)).toEqual({ outcome: "retry", delaySeconds: 5 });
  });
  it("caps a receiver's Retry-After at 24 h, whatever it says, and never retries past the schedule's end", () => {
    for (const huge of [86_401, 10 ** 12, Number.MAX_SAFE_INTEGER, Infinity, NaN]) {
      const verdict = afterAttempt(3, 503, huge, noJitter);
      expect(verdict, String(huge)).toEqual({ outcome: "retry", delaySeconds: Number.isFinite(huge) ? 86_400 : 1800 }); // nonsense is ignored
    }
    expect(afterAttempt(RETRY_DELAYS_S.length + 1, 429, 10 ** 12, noJitter)).toEqual({ outcome: "dead-letter" });
    // Nine capped waits would be nine days: the schedule's end (about 3.2 days from the first attempt) bounds them all.
    expect(afterAttempt(3, 503, 86_400, noJitter, SCHEDULE_END_S - 100)).toEqual({ outcome: "retry", delaySeconds: 100 });
    expect(afterAttempt(3, 503, 86_400, noJitter, SCHEDULE_END_S)).toEqual({ outcome: "dead-letter" });
    expect(SCHEDULE_END_S / 86_400).toBeLessThan(3.5);
  });
});

describe("retryAfterSeconds", () => {
  it("reads delay-seconds and HTTP dates, and ignores nonsense", () => {
    const now = Date.parse("2026-11-30T10:00:00Z");
    expect(retryAfterSeconds("120", now)).toBe(120);
    expect(retryAfterSeconds("Mon, 30 Nov 2026 10:02:00 GMT", now)).toBe(120);
    expect(retryAfterSeconds("99999999999999999999999", now)).toBeUndefined();
    for (const nonsense of [null, "", "soon", "-5", "1e9", "0x10"]) expect(retryAfterSeconds(nonsense, now), String(nonsense)).toBeUndefined();
  });
});

describe("detectChanges: only true events", () => {
  const a = heatPump({}, "true-a");
  const b = heatPump({}, "true-b");

  it("an unreadable item is not a deleted heat pump, and its snapshot entry is kept untouched", () => {
    const before = reshaped(a, b);
    const unreadable = { ids: new Set([b.id as string]), anonymous: false };
    expect(detectChanges(before, reshaped(a), unreadable)).toEqual([]);
    expect(nextSnapshot(before, reshaped(a), unreadable).map((hp) => hp.id)).toEqual([a.id, b.id]);
    expect(nextSnapshot(before, reshaped(a), unreadable)[1]).toEqual(before[1]);
    // Once it reads again, nothing happened to it: no created either.
    expect(detectChanges(nextSnapshot(before, reshaped(a), unreadable), reshaped(a, b))).toEqual([]);
  });

  it("an unreadable item without a readable id suppresses every deletion in that answer", () => {
    const before = reshaped(a, b);
    expect(detectChanges(before, [], { ids: new Set<string>(), anonymous: true })).toEqual([]);
    expect(detectChanges(before, reshaped(a)).map((event) => event.type)).toEqual(["heat_pump.deleted"]); // a complete answer
  });

  it("tells new entries of actions once, as heat_pump.action_required with their codes and resolution URLs", () => {
    const reauth = { code: "reauthenticate", description: "Log in to the manufacturer's cloud again", resolution_url: "https://auth.example/re" };
    const events = detectChanges(reshaped(a), reshaped({ ...a, actions: [reauth] }));
    const required = events.find((event) => event.type === "heat_pump.action_required");
    expect(required?.data).toMatchObject({ heat_pump_id: a.id, actions: [reauth] });
    expect(events.filter((event) => event.type === "heat_pump.updated").flatMap((event) => (event.data as { changed_fields: string[] }).changed_fields)).not.toContain("status.actions");
    expect(detectChanges(reshaped({ ...a, actions: [reauth] }), reshaped({ ...a, actions: [reauth] }))).toEqual([]); // still there: nothing new
  });
});

describe("eventId", () => {
  const a = heatPump({}, "id-a");
  const origin = { orgId: "o", userId: "u", snapshotTakenAt: "2026-11-30T10:00:00.000Z" };
  const moved = () => detectChanges(reshaped(a), reshaped({ ...a, connection_status: "error" }))[0]!;

  it("is the same for the same change from the same snapshot, whenever it is computed", async () => {
    expect(await eventId(origin, moved())).toBe(await eventId(origin, moved()));
    expect(await eventId(origin, moved())).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it("is the same when a re-run sees the same change with other moving values (power, temperatures)", async () => {
    const rerun = detectChanges(reshaped(a), reshaped({ ...a, connection_status: "error", current_power_consumption_w: 1180, dhw_temperature: 47.9 }))[0]!;
    expect(rerun.type).toBe("heat_pump.status_changed");
    expect(await eventId(origin, rerun)).toBe(await eventId(origin, moved()));
  });

  it("differs for the same change from a later snapshot, and between heat pumps and types", async () => {
    const first = await eventId(origin, moved());
    expect(await eventId({ ...origin, snapshotTakenAt: "2026-11-30T10:02:00.000Z" }, moved())).not.toBe(first);
    const other = detectChanges(reshaped(heatPump({}, "id-b")), reshaped(heatPump({ connection_status: "error" }, "id-b")))[0]!;
    expect(await eventId(origin, other)).not.toBe(first);
  });
});

describe("batchesBySize (Queues' limits)", () => {
  it("keeps every batch within 100 messages and 256 KB, and every message within 128 KB", () => {
    const small = Array.from({ length: 250 }, (_, i) => ({ i }));
    expect(batchesBySize(small).map((batch) => batch.length)).toEqual([100, 100, 50]);
    const large = Array.from({ length: 150 }, (_, i) => ({ i, payload: "x".repeat(15_000) }));
    const batches = batchesBySize(large);
    expect(batches.flat()).toEqual(large);
    for (const batch of batches) expect(new TextEncoder().encode(JSON.stringify(batch)).length).toBeLessThan(256_000);
    expect(() => batchesBySize([{ payload: "x".repeat(130_000) }])).toThrow(/limit/);
  });
});

describe("event payloads match the documented schemas (the API document's webhooks)", () => {
  it("every event detectChanges makes, and webhook.test, parses with its schema", () => {
    const a = heatPump({}, "schema-a");
    const b = heatPump({}, "schema-b");
    const reauth = { code: "reauthenticate", description: null, resolution_url: "https://auth.example/re" };
    const events = [
      ...detectChanges(reshaped(a), reshaped({ ...a, connection_status: "error", actions: [reauth], dhw_temperature: 55 }, b)),
      ...detectChanges(reshaped(b), reshaped()),
    ];
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(["heat_pump.created", "heat_pump.deleted", "heat_pump.status_changed", "heat_pump.updated", "heat_pump.action_required"]));
    for (const event of events) {
      const payload = JSON.parse(webhookPayload(event, new Date(NOW))) as unknown;
      const parsed = EVENT_SCHEMAS[event.type].strict().safeParse(payload);
      expect(parsed.success, `${event.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
    expect(EVENT_SCHEMAS["webhook.test"].safeParse(JSON.parse(webhookPayload({ type: "webhook.test", data: { webhook_id: "wh_1" } }, new Date(NOW)))).success).toBe(true);
    expect(Object.keys(EVENT_SCHEMAS).sort()).toEqual([...EVENT_TYPES, "webhook.test"].sort());
  });
});

describe("a check the upstream budget had no permit for", () => {
  it("is tried again n to 3n seconds later the n-th time, spread at random so a busy second's refusals do not return together", () => {
    for (const n of [1, 2, 3]) {
      const delays = Array.from({ length: 300 }, () => requeueDelay({ deferrals: n }));
      expect(Math.min(...delays)).toBe(n);
      expect(Math.max(...delays)).toBe(3 * n);
      expect(new Set(delays).size).toBe(2 * n + 1);
    }
  });
});
