import { KNOWN_UPSTREAM_FIELDS, NEVER_TIMESTAMP, type UpstreamHeatPump } from "../upstream/schema.ts";
import { deviceLabel, modeKey, modeLabel, operationalModeKey } from "./labels.ts";
import type { CompactHeatPump, HeatPump } from "./schemas.ts";
import { overallStatus, statusValue } from "./status.ts";

export interface ReshapeOptions {
  /** The moment the answer is for (ms since epoch); freshness is computed against it. */
  now: number;
  /** Device state older than this is `stale`. */
  staleAfterSeconds: number;
  /** Scope `owners:read`: include the owner's e-mail and names, and fields Podero added that this version does not know. */
  ownersVisible: boolean;
}

/** Podero's heat pump → the edge's representation. Pure: same input, same output. Every upstream field lands somewhere. */
export function reshapeHeatPump(item: UpstreamHeatPump, options: ReshapeOptions): HeatPump {
  const connection = statusValue(item.connection_status);
  const monitoring = statusValue(item.monitoring_status);
  const steering = statusValue(item.steering_status);
  const overall = overallStatus(connection, monitoring, steering);
  const mode = modeKey(item.current_mode);
  const optimising = item.is_smart_optimization_active;
  const { device_model: model, owner } = item;
  const stateAgeS = ageSeconds(item.current_state_last_updated_at, options.now);
  // The age itself is not in the answer: it would change every second and defeat ETags; clients derive it.

  return {
    id: item.id,
    label: deviceLabel(model.manufacturer, model.model, model.device_type?.long_name ?? null),
    created_at: item.created_at,
    updated_at: item.updated_at,
    device: {
      manufacturer: model.manufacturer,
      model: model.model,
      year: model.year,
      type: model.device_type ? { short_name: model.device_type.short_name, long_name: model.device_type.long_name } : null,
      cloud_service_id: model.cloud_service,
      cloud_service_instructions: model.cloud_service_instructions,
      cloud_service_signup_link: model.cloud_service_signup_link,
      external_device_id: item.external_device_id,
      needs_gateway: item.needs_gateway,
    },
    owner: {
      id: owner.id,
      external_id: owner.external_id,
      ...(options.ownersVisible ? { email: owner.email, first_name: owner.first_name, last_name: owner.last_name } : {}),
    },
    building_id: item.building,
    price_zone: item.price_zone,
    comment: item.comment,
    status: {
      overall,
      connection,
      monitoring,
      steering,
      online: connection === "ok" || connection === "warning",
      is_authenticated: item.is_authenticated,
      action_needed: item.action_needed ?? (!item.is_authenticated || item.actions.length > 0 || overall === "error"),
      actions: item.actions.map((action) => ({ code: action.code, description: action.description, resolution_url: action.resolution_url })),
      lifecycle_state: item.lifecycle_state,
    },
    activity: {
      operational_mode: operationalModeKey(item.operational_mode),
      operational_mode_label: item.operational_mode,
      steering_state: item.actual_steering_state,
      power_w: item.current_power_consumption_w,
    },
    optimisation: {
      active: optimising,
      mode,
      mode_label: modeLabel(mode, optimising),
      level: item.optimization_level,
      forecasting_enabled: item.is_forecasting_enabled,
      trading_enabled: item.is_trading_enabled,
      heating_policy: { enabled: item.is_heating_policy_enabled, name: item.heating_policy_name, updated_at: item.heating_policy_last_updated_at },
      pause_power: { active: item.is_pause_power_active, until: item.pause_power_until },
      inverter_forced_mode: {
        enabled: item.is_inverter_forced_mode_enabled,
        active: item.is_inverter_forced_mode_active,
        since: isNever(item.inverter_forced_mode_since) ? null : item.inverter_forced_mode_since,
      },
      min_solar_power_w: item.min_solar_power_w,
      temperature_delta_override_c: {
        slight: item.temperature_delta_override_for_slight_change,
        significant: item.temperature_delta_override_for_significant_change,
      },
    },
    capabilities: {
      space_heating: item.is_space_heating_enabled,
      hot_water: item.is_hot_water_heating_enabled,
      pool_heating: item.is_pool_heating_enabled,
      space_cooling: item.is_space_cooling_enabled,
    },
    space_heating: {
      indoor_actual_c: item.indoor_actual_temperature,
      indoor_target_c: item.indoor_target_temperature,
      target_offset_c: item.indoor_target_temperature_offset,
      min_c: item.minimum_temperature_limit,
      max_c: item.maximum_temperature_limit,
    },
    hot_water: { actual_c: item.dhw_temperature, target_c: item.dhw_standard_temperature, min_c: item.minimum_dhw_temperature_limit },
    away_mode: {
      enabled: item.is_away_mode_enabled,
      start: item.away_mode_start,
      end: item.away_mode_end,
      min_c: item.away_mode_minimum_temperature_limit,
      updated_at: item.away_mode_last_updated_at,
    },
    outdoor_temperature_c: item.outdoor_temperature,
    water_circuit: { inlet_c: item.inlet_temperature, outlet_c: item.outlet_temperature },
    energy: {
      consumption_last_day_kwh: item.consumption_last_day_kwh,
      consumption_last_week_kwh: item.consumption_last_week_kwh,
      consumption_last_month_kwh: item.consumption_last_month_kwh,
      updated_at: item.consumption_last_updated_at,
    },
    freshness: {
      state_updated_at: item.current_state_last_updated_at,
      last_monitoring_at: item.last_monitoring_executed_at,
      stale: stateAgeS === null || stateAgeS > options.staleAfterSeconds,
    },
    onboarding: { embeddable_url: item.embeddable_url, authorization_url: item.authorization_url },
    // Fields this version does not know may be personal data: shown only to those who may see owners.
    additional_upstream_fields: options.ownersVisible ? unknownFields(item) : {},
  };
}

/** The widget's view, derived from the full one so the two can never disagree. */
export function compactHeatPump(heatPump: HeatPump): CompactHeatPump {
  return {
    id: heatPump.id,
    label: heatPump.label,
    status: heatPump.status.overall,
    online: heatPump.status.online,
    optimising: heatPump.optimisation.active,
    mode: heatPump.optimisation.mode,
    mode_label: heatPump.optimisation.mode_label,
    activity: heatPump.activity.operational_mode,
    power_w: heatPump.activity.power_w,
    indoor_actual_c: heatPump.space_heating.indoor_actual_c,
    indoor_target_c: heatPump.space_heating.indoor_target_c,
    hot_water_c: heatPump.hot_water.actual_c,
    outdoor_c: heatPump.outdoor_temperature_c,
    consumption_last_day_kwh: heatPump.energy.consumption_last_day_kwh,
    action_needed: heatPump.status.action_needed,
    state_updated_at: heatPump.freshness.state_updated_at,
    stale: heatPump.freshness.stale,
  };
}

function unknownFields(item: UpstreamHeatPump): Record<string, unknown> {
  const fields = Object.keys(item);
  // Validation fills every known field, so the usual case (no drift) is settled by the count alone.
  if (fields.length === KNOWN_UPSTREAM_FIELDS.size) return {};
  // fromEntries defines own properties: an upstream field named "__proto__" stays data, never a prototype.
  return Object.fromEntries(fields.filter((field) => !KNOWN_UPSTREAM_FIELDS.has(field)).map((field) => [field, item[field]]));
}

function isNever(timestamp: string): boolean {
  return timestamp === NEVER_TIMESTAMP || Date.parse(timestamp) <= Date.parse(NEVER_TIMESTAMP);
}

function ageSeconds(timestamp: string | null, now: number): number | null {
  if (timestamp === null) return null;
  return Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
}
