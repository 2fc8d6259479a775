import type { UpstreamHeatPump } from "../upstream/schema.ts";

/**
 * The upstream-compatible view: Podero's own shape (validated, defaults filled in), so a partner app
 * migrates by changing only its base URL and token. One deliberate difference: without scope
 * `owners:read` the owner's e-mail and names are `null`, as this edge never hands out personal data unasked.
 */
export function upstreamShape(item: UpstreamHeatPump, ownersVisible: boolean): UpstreamHeatPump {
  if (ownersVisible) return item;
  return { ...item, owner: { ...item.owner, email: null, first_name: null, last_name: null } };
}
