// zod as @hono/zod-openapi extends it: these schemas are also documented (the Podero-compatible route), and a
// schema made before that extension ran (the webhook worker loads this module first) would lack `.openapi`.
import { z } from "@hono/zod-openapi";

/**
 * Podero's heat pump as the edge accepts it (GET …/users/{user_id}/heat-pumps, see shared/upstream).
 * The reference page is a claim, not a promise, so this schema survives drift:
 * - unknown enum values are kept as strings (reshape maps unknown statuses to `unknown`);
 * - new fields are kept (`looseObject`) — except on `owner`, where unknown fields are dropped because
 *   they may be personal data;
 * - a missing optional field, or `null` where the reference gives a default, becomes that default;
 * - numbers may arrive as decimal strings (Django's DecimalField does that) and are read as numbers.
 * What still fails (a required field missing, a type that cannot be read) makes the item invalid; see
 * `parse-list.ts` for what happens to it.
 */

// `.nullable().default(null)` rather than a transform: same meaning (missing → null), and no pipe, which
// matters when zod runs without code generation (as on Workers) over hundreds of items.
const text = z.string().nullable().default(null);
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.output<T>) =>
  schema.nullish().transform((value) => (value ?? fallback) as z.output<T>);
const decimal = z
  .union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/).transform(Number)])
  .nullable()
  .default(null);
const integer = z.number().int().nullable().default(null);
const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "not a date-time");
const optionalTimestamp = timestamp.nullable().default(null);
const flag = (fallback: boolean) => withDefault(z.boolean(), fallback);
/** ok | warning | error | unknown per the reference; other values are kept and read as `unknown` later. */
const status = withDefault(z.string(), "unknown");

export const UpstreamDeviceModelSchema = z.looseObject({
  device_type: z.looseObject({ short_name: text, long_name: text }).nullable().default(null),
  manufacturer: text,
  model: text,
  cloud_service_instructions: text,
  cloud_service_signup_link: text,
  year: integer,
  cloud_service: text,
});

export const UpstreamOwnerSchema = z.object({
  id: text,
  email: text,
  first_name: text,
  last_name: text,
  external_id: text,
});

export const UpstreamActionSchema = z.looseObject({
  code: z.string(),
  description: text,
  resolution_url: text,
});

export const UpstreamHeatPumpSchema = z.looseObject({
  connection_status: status,
  monitoring_status: status,
  steering_status: status,
  device_model: UpstreamDeviceModelSchema,
  owner: UpstreamOwnerSchema,
  created_at: timestamp,
  updated_at: timestamp,
  price_zone: withDefault(z.string(), "AT"),
  id: z.guid().toLowerCase().nullable().default(null),
  building: z.guid().toLowerCase().nullable().default(null),
  pause_power_until: optionalTimestamp,
  is_pause_power_active: flag(false),
  external_device_id: withDefault(z.string(), ""),
  is_authenticated: flag(false),
  is_smart_optimization_active: flag(false),
  current_mode: text,
  comment: text,
  current_state_last_updated_at: optionalTimestamp,
  last_monitoring_executed_at: optionalTimestamp,
  is_inverter_forced_mode_enabled: flag(false),
  is_inverter_forced_mode_active: flag(false),
  inverter_forced_mode_since: withDefault(timestamp, "0001-01-01T00:00:00Z"),
  is_forecasting_enabled: flag(false),
  is_trading_enabled: flag(false),
  actual_steering_state: withDefault(z.string(), "unknown"),
  indoor_target_temperature_offset: decimal,
  dhw_standard_temperature: decimal,
  is_hot_water_heating_enabled: flag(false),
  is_space_heating_enabled: flag(false),
  is_pool_heating_enabled: flag(false),
  is_space_cooling_enabled: flag(false),
  heating_policy_name: text,
  maximum_temperature_limit: decimal,
  minimum_temperature_limit: decimal,
  minimum_dhw_temperature_limit: decimal,
  is_heating_policy_enabled: flag(false),
  heating_policy_last_updated_at: optionalTimestamp,
  away_mode_start: optionalTimestamp,
  away_mode_end: optionalTimestamp,
  is_away_mode_enabled: flag(true),
  away_mode_minimum_temperature_limit: decimal,
  away_mode_last_updated_at: optionalTimestamp,
  min_solar_power_w: withDefault(z.number().int(), 2000),
  operational_mode: text,
  current_power_consumption_w: decimal,
  inlet_temperature: decimal,
  outlet_temperature: decimal,
  dhw_temperature: decimal,
  outdoor_temperature: decimal,
  indoor_actual_temperature: decimal,
  indoor_target_temperature: decimal,
  consumption_last_day_kwh: decimal,
  consumption_last_week_kwh: decimal,
  consumption_last_month_kwh: decimal,
  consumption_last_updated_at: optionalTimestamp,
  optimization_level: withDefault(z.string(), "Mid"),
  needs_gateway: flag(false),
  temperature_delta_override_for_slight_change: integer,
  temperature_delta_override_for_significant_change: integer,
  embeddable_url: text,
  authorization_url: text,
  // Newer objects carry these (Podero's public docs); absent on older ones.
  action_needed: z.boolean().nullable().default(null),
  actions: z.array(UpstreamActionSchema).nullish().transform((value) => value ?? []),
  lifecycle_state: text,
});

export type UpstreamHeatPump = z.output<typeof UpstreamHeatPumpSchema>;

/** The fields the edge knows; anything else on an item is drift and is carried as-is. */
export const KNOWN_UPSTREAM_FIELDS: ReadonlySet<string> = new Set(Object.keys(UpstreamHeatPumpSchema.shape));

/** Podero's sentinel for "never" (`inverter_forced_mode_since` default). */
export const NEVER_TIMESTAMP = "0001-01-01T00:00:00Z";
