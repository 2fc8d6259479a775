import type { CompactHeatPump } from "../../heat-pumps/schemas.ts";
import { own } from "../../util/own.ts";
import { ACTIVITY_LABELS, LABELS, type Lang } from "./i18n.ts";

// The status card, rendered on the server from the compact view: semantic markup a screen reader can read,
// every value escaped (labels come from the manufacturer's cloud), no personal data and no URLs from upstream.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

export interface CardState {
  heatPumps: CompactHeatPump[];
  /** The edge served its stored copy because Podero failed. */
  stale: boolean;
  now: number;
}

function number(lang: Lang, value: number | null, unit: string, digits = 1): string {
  if (value === null) return "–";
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value)} ${unit}`;
}

export function ago(lang: Lang, iso: string | null, now: number): string {
  if (!iso) return LABELS[lang].never!;
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  if (Math.abs(seconds) < 60) return format.format(seconds, "second");
  if (Math.abs(seconds) < 3600) return format.format(Math.round(seconds / 60), "minute");
  if (Math.abs(seconds) < 86400) return format.format(Math.round(seconds / 3600), "hour");
  return format.format(Math.round(seconds / 86400), "day");
}

function card(heatPump: CompactHeatPump, index: number, lang: Lang, now: number, stale: boolean): string {
  const t = LABELS[lang];
  const id = `hp-${index}`;
  const activity = heatPump.activity ? (own(ACTIVITY_LABELS[lang], heatPump.activity) ?? heatPump.activity.replaceAll("_", " ")) : null;
  const mode = heatPump.optimising ? `${t.optimising} · ${heatPump.mode_label}` : t.notOptimising!;
  const row = (label: string, value: string) => `<div><dt>${escapeHtml(label)}</dt><dd>${value}</dd></div>`;
  const indoor = `${escapeHtml(number(lang, heatPump.indoor_actual_c, "°C"))}${heatPump.indoor_target_c === null ? "" : ` <small>(${escapeHtml(t.target!)} ${escapeHtml(number(lang, heatPump.indoor_target_c, "°C"))})</small>`}`;
  return `<article class="card" aria-labelledby="${id}">
<header><h2 id="${id}">${escapeHtml(heatPump.label)}</h2><span class="badge ${heatPump.status}">${escapeHtml(t[heatPump.status]!)}${heatPump.online ? "" : ` · ${escapeHtml(t.offline!)}`}</span></header>
<p class="mode">${escapeHtml(mode)}${activity ? ` — ${escapeHtml(activity)}` : ""}${heatPump.action_needed ? ` <strong class="action">${escapeHtml(t.actionNeeded!)}</strong>` : ""}</p>
<dl>${[
    row(t.indoor!, indoor),
    row(t.hotWater!, escapeHtml(number(lang, heatPump.hot_water_c, "°C"))),
    row(t.outdoor!, escapeHtml(number(lang, heatPump.outdoor_c, "°C"))),
    row(t.power!, escapeHtml(number(lang, heatPump.power_w, "W", 0))),
    row(t.lastDay!, escapeHtml(number(lang, heatPump.consumption_last_day_kwh, "kWh"))),
  ].join("")}</dl>
<footer>${escapeHtml(t.updated!)} <time datetime="${escapeHtml(heatPump.state_updated_at ?? "")}">${escapeHtml(ago(lang, heatPump.state_updated_at, now))}</time>${heatPump.stale || stale ? ` <span class="stale">${escapeHtml(t.stale!)}</span>` : ""}</footer>
</article>`;
}

/** The cards alone: what the page shows, and what its script swaps in when the data changes. */
export function renderCards(state: CardState, lang: Lang): string {
  if (state.heatPumps.length === 0) return `<p class="empty">${escapeHtml(LABELS[lang].empty!)}</p>`;
  return state.heatPumps.map((heatPump, index) => card(heatPump, index, lang, state.now, state.stale)).join("\n");
}

export interface PageOptions {
  lang: Lang;
  nonce: string;
  /** The cards, or a notice (expired, unavailable) when there is nothing to show. */
  body: string;
  notice?: "expired" | "unavailable";
  /** Same-origin URL the script polls for fresh cards; absent when the card cannot refresh (expired). */
  refreshUrl?: string;
  /** ETag of the cards as rendered, so the first poll can be a 304. */
  etag?: string;
  refreshEverySeconds: number;
  /** Where the page may post its height (the token's origins). */
  parentOrigins: string[];
  style: string;
  script: string;
}

export function renderPage(options: PageOptions): string {
  const t = LABELS[options.lang];
  const notice = options.notice ? `<p class="notice" role="alert">${escapeHtml(t[options.notice]!)}</p>` : `<p class="notice" role="alert" hidden></p>`;
  const config = JSON.stringify({
    refresh: options.refreshUrl ?? null,
    etag: options.etag ?? null,
    every: options.refreshEverySeconds,
    origins: options.parentOrigins,
    lang: options.lang,
    expired: t.expired,
    unavailable: t.unavailable,
  }).replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="${options.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>${escapeHtml(t.title!)}</title><style nonce="${options.nonce}">${options.style}</style></head>
<body><main aria-label="${escapeHtml(t.title!)}" aria-live="polite" id="cards">${options.body}</main>${notice}
<script nonce="${options.nonce}" id="config" type="application/json">${config}</script>
<script nonce="${options.nonce}">${options.script}</script></body>
</html>`;
}
