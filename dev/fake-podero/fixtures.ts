// Realistic, deterministic Podero heat pumps following the reference page (shared/upstream), nulls included.
// Pure data: used by the fake upstream, by `npm start`, and by the unit tests.

export type UpstreamItem = Record<string, unknown>;

export const DEV_ORG_ID = "6f1c2a3e-5b7d-4c9e-8a1f-2d3e4f5a6b7c";
export const DEV_USER_ID = "0b9d8c7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e";

const MODELS = [
  { manufacturer: "Vaillant", model: "aroTHERM plus", year: 2022, cloud: "myVAILLANT" },
  { manufacturer: "Daikin", model: "Altherma 3 H HT", year: 2021, cloud: "Daikin Onecta" },
  { manufacturer: "Viessmann", model: "Vitocal 250-A", year: 2023, cloud: "ViCare" },
  { manufacturer: "Stiebel Eltron", model: "WPL 25 A", year: 2020, cloud: "SERVICEWELT" },
] as const;

/** Deterministic 32-bit hash (FNV-1a), so the same id always yields the same heat pumps. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

/** A UUID (version 4 layout) derived from a seed string. */
export function seededUuid(seed: string): string {
  const hex = [0, 1, 2, 3].map((i) => hash(`${seed}:${i}`).toString(16).padStart(8, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** One complete heat pump with every field of the reference page. */
export function heatPump(overrides: UpstreamItem = {}, seed = "hp"): UpstreamItem {
  const model = MODELS[hash(seed) % MODELS.length]!;
  const id = seededUuid(`${seed}:id`);
  return {
    connection_status: "ok",
    monitoring_status: "ok",
    steering_status: "ok",
    device_model: {
      device_type: { short_name: "HP", long_name: "Heat pump" },
      manufacturer: model.manufacturer,
      model: model.model,
      cloud_service_instructions: `Log in with your ${model.cloud} account.`,
      cloud_service_signup_link: "https://cloud.example/signup",
      year: model.year,
      cloud_service: seededUuid(`${model.cloud}:cloud`),
    },
    owner: {
      id: seededUuid(`${seed}:owner`),
      email: "erika.mustermann@example.com",
      first_name: "Erika",
      last_name: "Mustermann",
      external_id: "CRM-100234",
    },
    created_at: "2025-03-14T08:30:00Z",
    updated_at: "2026-11-28T17:05:12Z",
    price_zone: "AT",
    id,
    building: seededUuid(`${seed}:building`),
    pause_power_until: null,
    is_pause_power_active: false,
    external_device_id: `dev-${id.slice(0, 8)}`,
    is_authenticated: true,
    is_smart_optimization_active: true,
    current_mode: "low",
    comment: null,
    current_state_last_updated_at: "2026-11-29T09:20:00Z",
    last_monitoring_executed_at: "2026-11-29T09:25:00Z",
    is_inverter_forced_mode_enabled: false,
    is_inverter_forced_mode_active: false,
    inverter_forced_mode_since: "0001-01-01T00:00:00Z",
    is_forecasting_enabled: true,
    is_trading_enabled: false,
    actual_steering_state: "low",
    indoor_target_temperature_offset: 0.5,
    dhw_standard_temperature: 50,
    is_hot_water_heating_enabled: true,
    is_space_heating_enabled: true,
    is_pool_heating_enabled: false,
    is_space_cooling_enabled: false,
    heating_policy_name: "Comfort weekdays",
    maximum_temperature_limit: 23,
    minimum_temperature_limit: 19,
    minimum_dhw_temperature_limit: 45,
    is_heating_policy_enabled: true,
    heating_policy_last_updated_at: "2026-10-01T12:00:00Z",
    away_mode_start: null,
    away_mode_end: null,
    is_away_mode_enabled: false,
    away_mode_minimum_temperature_limit: 16,
    away_mode_last_updated_at: null,
    min_solar_power_w: 2000,
    operational_mode: "Heating",
    current_power_consumption_w: 1840,
    inlet_temperature: 31.5,
    outlet_temperature: 36.2,
    dhw_temperature: 48.5,
    outdoor_temperature: 3.4,
    indoor_actual_temperature: 21.2,
    indoor_target_temperature: 21.5,
    consumption_last_day_kwh: 18.4,
    consumption_last_week_kwh: 121.7,
    consumption_last_month_kwh: 498.2,
    consumption_last_updated_at: "2026-11-29T00:00:00Z",
    optimization_level: "Mid",
    needs_gateway: false,
    temperature_delta_override_for_slight_change: null,
    temperature_delta_override_for_significant_change: 2,
    embeddable_url: "https://onboarding.example/embed/abc",
    authorization_url: "https://onboarding.example/authorize",
    ...overrides,
  };
}

/**
 * The heat pumps the fake upstream holds for a user who has no scenario set: 1–3, some with warnings and
 * nulls. The device state is "a few minutes old" relative to `now`, rounded to 5 minutes, as Podero's is.
 */
export function defaultHeatPumps(userId: string, orgId = DEV_ORG_ID, now = Date.now()): UpstreamItem[] {
  const count = userId === DEV_USER_ID ? 3 : 1 + (hash(userId) % 3);
  // The same user id in another organisation is another person with other heat pumps.
  const seed = orgId === DEV_ORG_ID ? userId : `${orgId}:${userId}`;
  const slot = Math.floor(now / 300_000) * 300_000;
  const recent = { current_state_last_updated_at: iso(slot - 300_000), last_monitoring_executed_at: iso(slot) };
  const items = [heatPump(recent, `${seed}:0`)];
  if (count > 1) {
    items.push(
      heatPump(
        {
          monitoring_status: "warning",
          current_mode: "max",
          operational_mode: "Hot Water",
          current_power_consumption_w: 2650,
          dhw_temperature: 44.1,
          is_trading_enabled: true,
          is_inverter_forced_mode_enabled: true,
          is_inverter_forced_mode_active: true,
          inverter_forced_mode_since: "2026-11-29T06:00:00Z",
          comment: "Basement unit",
          ...recent,
        },
        `${seed}:1`,
      ),
    );
  }
  if (count > 2) {
    items.push(
      heatPump(
        {
          connection_status: "error",
          steering_status: "unknown",
          is_authenticated: false,
          is_smart_optimization_active: false,
          current_mode: null,
          operational_mode: null,
          current_power_consumption_w: null,
          indoor_actual_temperature: null,
          indoor_target_temperature: null,
          dhw_temperature: null,
          outdoor_temperature: null,
          consumption_last_day_kwh: null,
          current_state_last_updated_at: "2026-11-20T04:00:00Z",
          building: null,
          heating_policy_name: null,
        },
        `${seed}:2`,
      ),
    );
  }
  return items;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
