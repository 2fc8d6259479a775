import type { OverallStatus } from "./schemas.ts";

const KNOWN: ReadonlySet<string> = new Set(["ok", "warning", "error", "unknown"]);

/** A Podero status value; anything Podero adds later reads as `unknown` rather than breaking the answer. */
export function statusValue(raw: string): OverallStatus {
  const value = raw.toLowerCase();
  return KNOWN.has(value) ? (value as OverallStatus) : "unknown";
}

/** `error` if any is error, else `warning` if any is warning, else `unknown` if any is unknown, else `ok`. */
export function overallStatus(...statuses: OverallStatus[]): OverallStatus {
  for (const worst of ["error", "warning", "unknown"] as const) {
    if (statuses.includes(worst)) return worst;
  }
  return "ok";
}
