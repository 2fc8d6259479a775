// One example payload per webhook event type, made by the code that makes them (the fixture heat pump, reshaped as
// the webhook worker reshapes it, through change detection), written into docs/webhooks.md between its
// `<!-- examples:start -->` and `<!-- examples:end -->` markers: `node scripts/webhook-examples.ts` writes them,
// `--check` fails when they are stale; test/build/docs.test.ts checks that and validates each against openapi.json.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DOC = fileURLToPath(new URL("../docs/webhooks.md", import.meta.url));
const NOW = Date.parse("2026-11-30T12:00:00.000Z");

/** type → the payload a receiver gets (the body of the POST). */
export async function examplePayloads(): Promise<Record<string, Record<string, unknown>>> {
  const { heatPump } = (await import(new URL("../dev/fake-podero/fixtures.ts", import.meta.url).href)) as { heatPump: (overrides: object, seed: string) => Record<string, unknown> };
  const { UpstreamHeatPumpSchema } = await import(new URL("../src/upstream/schema.ts", import.meta.url).href);
  const { reshapeHeatPump } = await import(new URL("../src/heat-pumps/reshape.ts", import.meta.url).href);
  const { detectChanges, webhookPayload } = await import(new URL("../src/webhooks/changes.ts", import.meta.url).href);
  const read = (items: unknown[]) => items.map((item) => reshapeHeatPump(UpstreamHeatPumpSchema.parse(item), { now: NOW, staleAfterSeconds: 3600, ownersVisible: false }));
  const a = heatPump({}, "example-a");
  const b = heatPump({}, "example-b");
  const steps: [unknown[], unknown[]][] = [
    [[a], [a, b]], // created
    [[a, b], [a]], // deleted
    [[a], [{ ...a, connection_status: "error" }]], // status_changed
    [[a], [{ ...a, indoor_target_temperature: 22.5, current_mode: "max" }]], // updated
    [[a], [{ ...a, actions: [{ code: "reauthorize_cloud", description: "Sign in to the manufacturer's cloud again.", resolution_url: "https://app.podero.com/reauthorize/example" }] }]],
  ];
  const payloads: Record<string, Record<string, unknown>> = {};
  for (const [before, after] of steps) {
    for (const event of detectChanges(read(before), read(after)) as { type: string }[]) {
      payloads[event.type] ??= JSON.parse(webhookPayload(event as never, new Date(NOW))) as Record<string, unknown>;
    }
  }
  payloads["webhook.test"] = JSON.parse(webhookPayload({ type: "webhook.test", data: { webhook_id: "wh_5b0c8f0e-2a8e-4d7c-9a51-3f1e2d4c6b7a" } }, new Date(NOW))) as Record<string, unknown>;
  return payloads;
}

export async function examplesSection(): Promise<string> {
  const payloads = await examplePayloads();
  const order = ["heat_pump.created", "heat_pump.deleted", "heat_pump.status_changed", "heat_pump.updated", "heat_pump.action_required", "webhook.test"];
  return order.map((type) => `### \`${type}\`\n\n\`\`\`json\n${JSON.stringify(payloads[type], null, 2)}\n\`\`\``).join("\n\n");
}

export function withExamples(doc: string, section: string): string {
  return doc.replace(/(<!-- examples:start -->)[\s\S]*?(<!-- examples:end -->)/, (_match, start: string, end: string) => `${start}\n${section}\n${end}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = readFileSync(DOC, "utf8");
  const updated = withExamples(doc, await examplesSection());
  if (process.argv[2] === "--check") {
    if (updated !== doc) {
      console.error("docs/webhooks.md: the example payloads are stale: run `node scripts/webhook-examples.ts`.");
      process.exit(1);
    }
  } else {
    writeFileSync(DOC, updated);
    console.log(`examples written to ${DOC}`);
  }
}
