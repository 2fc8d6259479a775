export type Lang = "en" | "de";
export const LANGS: readonly Lang[] = ["en", "de"];

/** Every text the card shows, in English and German. Numbers and "… ago" come from Intl. */
export const LABELS: Record<Lang, Record<string, string>> = {
  en: {
    title: "Heat pump status",
    ok: "OK",
    warning: "Warning",
    error: "Error",
    unknown: "Unknown",
    offline: "offline",
    optimising: "Optimising",
    notOptimising: "Not optimising",
    indoor: "Indoor",
    target: "target",
    hotWater: "Hot water",
    outdoor: "Outdoor",
    power: "Power now",
    lastDay: "Last 24 h",
    updated: "Updated",
    never: "no data yet",
    stale: "Data may be out of date",
    actionNeeded: "Action needed",
    empty: "No heat pumps to show.",
    expired: "This status card has expired. Reload the page to see current data.",
    unavailable: "Heat pump data is temporarily unavailable. Showing the last known values.",
  },
  de: {
    title: "Wärmepumpen-Status",
    ok: "OK",
    warning: "Warnung",
    error: "Fehler",
    unknown: "Unbekannt",
    offline: "offline",
    optimising: "Optimiert",
    notOptimising: "Nicht optimiert",
    indoor: "Innen",
    target: "Ziel",
    hotWater: "Warmwasser",
    outdoor: "Außen",
    power: "Leistung jetzt",
    lastDay: "Letzte 24 h",
    updated: "Aktualisiert",
    never: "noch keine Daten",
    stale: "Daten sind möglicherweise veraltet",
    actionNeeded: "Handlung erforderlich",
    empty: "Keine Wärmepumpen vorhanden.",
    expired: "Diese Statuskarte ist abgelaufen. Laden Sie die Seite neu, um aktuelle Daten zu sehen.",
    unavailable: "Die Wärmepumpendaten sind vorübergehend nicht verfügbar. Angezeigt werden die zuletzt bekannten Werte.",
  },
};

/**
 * What the device does now (`activity.operational_mode`), by language. Its own table: the key comes from Podero,
 * so it must never reach the card's own texts (an upstream mode named "expired" is not the expired notice).
 */
export const ACTIVITY_LABELS: Record<Lang, Record<string, string>> = {
  en: { heating: "Heating", hot_water: "Hot water", pool_heating: "Pool heating", standby: "Standby", off: "Off" },
  de: { heating: "Heizen", hot_water: "Warmwasser", pool_heating: "Poolheizung", standby: "Bereitschaft", off: "Aus" },
};

export function langOf(value: string | undefined, acceptLanguage: string | undefined): Lang {
  const wanted = (value ?? acceptLanguage?.split(",")[0] ?? "en").trim().slice(0, 2).toLowerCase();
  return (LANGS as readonly string[]).includes(wanted) ? (wanted as Lang) : "en";
}
