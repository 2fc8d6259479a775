import { UpstreamActionSchema, UpstreamDeviceModelSchema, UpstreamHeatPumpSchema, type UpstreamHeatPump } from "../upstream/schema.ts";

const KNOWN = {
  heatPump: Object.keys(UpstreamHeatPumpSchema.shape),
  deviceModel: Object.keys(UpstreamDeviceModelSchema.shape),
  deviceType: ["short_name", "long_name"],
  action: Object.keys(UpstreamActionSchema.shape),
};

/** Only the fields this version knows: what Podero added since may be personal data. */
function known<T extends object>(value: T, fields: readonly string[]): T {
  return Object.fromEntries(fields.filter((field) => Object.hasOwn(value, field)).map((field) => [field, (value as Record<string, unknown>)[field]])) as T;
}

/**
 * The upstream-compatible view: Podero's own shape (validated, defaults filled in), so a partner app
 * migrates by changing only its base URL and token. One deliberate difference: without scope `owners:read` the
 * owner's e-mail and names are `null`, and fields Podero added that this version does not know are left out at
 * every level (they may be personal data), as this edge never hands out personal data unasked.
 */
export function upstreamShape(item: UpstreamHeatPump, ownersVisible: boolean): UpstreamHeatPump {
  if (ownersVisible) return item;
  const model = item.device_model;
  return {
    ...known(item, KNOWN.heatPump),
    device_model: { ...known(model, KNOWN.deviceModel), device_type: model.device_type && known(model.device_type, KNOWN.deviceType) },
    actions: item.actions.map((action) => known(action, KNOWN.action)),
    owner: { ...item.owner, email: null, first_name: null, last_name: null },
  };
}
