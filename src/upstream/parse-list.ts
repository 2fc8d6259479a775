import { UpstreamBadResponseError } from "../problems/errors.ts";
import { UpstreamHeatPumpSchema, type UpstreamHeatPump } from "./schema.ts";

/** An upstream item the edge could not read. Reported in `meta.invalid_items` and logged, never silently dropped. */
export interface InvalidItem {
  /** Position in the upstream array. */
  index: number;
  /** The item's id, when it had a readable one. */
  id: string | null;
  /** Field paths that failed and why; values are never echoed (they may be personal data). */
  issues: string[];
}

export interface ParsedList {
  items: UpstreamHeatPump[];
  invalid: InvalidItem[];
}

/**
 * Validates the upstream list item by item. A body that is not an array is a 502: nothing in it can be
 * trusted. One unreadable item does not sink the list: the good items are served, and the bad one is
 * named (index, id, failing fields) in `meta.invalid_items` and in the request's log line.
 */
export function parseHeatPumpList(body: unknown): ParsedList {
  if (!Array.isArray(body)) {
    throw new UpstreamBadResponseError(`Podero answered with a JSON ${body === null ? "null" : typeof body}, not an array.`);
  }
  const items: UpstreamHeatPump[] = [];
  const invalid: InvalidItem[] = [];
  body.forEach((raw: unknown, index) => {
    const result = UpstreamHeatPumpSchema.safeParse(raw);
    if (result.success) {
      items.push(result.data);
      return;
    }
    const id = typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id === "string" ? (raw as { id: string }).id : null;
    invalid.push({
      index,
      id: id && /^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : null,
      issues: result.error.issues.map((issue) => `${issue.path.join(".") || "(item)"}: ${issue.message}`),
    });
  });
  return { items, invalid };
}
