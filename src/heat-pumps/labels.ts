import { own } from "../util/own.ts";

/** Podero's display labels for the optimisation step (`current_mode`). */
const MODE_LABELS: Readonly<Record<string, string>> = { min: "Min", low: "ECO", mid: "Comfort", max: "Boost" };
export const NOT_OPTIMISING_LABEL = "Not optimizing";

export function modeKey(currentMode: string | null): string | null {
  const key = currentMode?.trim().toLowerCase();
  return key ? key : null;
}

export function modeLabel(mode: string | null, optimising: boolean): string {
  if (!optimising || mode === null) return NOT_OPTIMISING_LABEL;
  return own(MODE_LABELS, mode) ?? mode.charAt(0).toUpperCase() + mode.slice(1);
}

/** `Hot Water` → `hot_water`: a stable key for what the device does now; Podero's label is kept beside it. */
export function operationalModeKey(operationalMode: string | null): string | null {
  const key = operationalMode?.trim().toLowerCase().replaceAll(/[^a-z0-9]+/g, "_").replaceAll(/^_|_$/g, "");
  return key ? key : null;
}

export function deviceLabel(manufacturer: string | null, model: string | null, typeName: string | null): string {
  const label = [manufacturer, model].map((part) => part?.trim()).filter(Boolean).join(" ");
  return label || typeName?.trim() || "Heat pump";
}
