import { z } from "@hono/zod-openapi";

// The edge's documented representation of a heat pump. Modelled on what consumers of heat-pump data use
// (Home Assistant climate/water_heater entities, Enode's HVAC object): space heating and hot water as
// separate groups, Podero's optimisation setting apart from what the device does now, explicit
// capabilities, freshness, and units in field names (_c = °C, _w = W, _kwh = kWh).

const celsius = (description: string) => z.number().nullable().openapi({ description: `${description} (°C).` });
const dateTime = (description: string) => z.string().nullable().openapi({ format: "date-time", description });

export const OverallStatusSchema = z
  .enum(["ok", "warning", "error", "unknown"])
  .openapi("HeatPumpStatusValue", { description: "Worst of connection, monitoring, steering: error > warning > unknown > ok." });

const StatusSchema = z.object({
  overall: OverallStatusSchema,
  connection: OverallStatusSchema.openapi({ description: "Podero's `connection_status` (new values read as `unknown`)." }),
  monitoring: OverallStatusSchema.openapi({ description: "Podero's `monitoring_status`." }),
  steering: OverallStatusSchema.openapi({ description: "Podero's `steering_status`." }),
  online: z.boolean().openapi({ description: "Connection status is `ok` or `warning`." }),
  is_authenticated: z.boolean().openapi({ description: "The manufacturer cloud account is linked and authorised." }),
  action_needed: z.boolean().openapi({ description: "Podero's `action_needed`, else: not authenticated, any `actions`, or `error`." }),
  actions: z
    .array(z.object({ code: z.string(), description: z.string().nullable(), resolution_url: z.string().nullable() }))
    .openapi({ description: "E.g. `reauthenticate` with a link." }),
  lifecycle_state: z.string().nullable().openapi({ description: "Podero's `lifecycle_state` where sent." }),
});

const ActivitySchema = z
  .object({
    operational_mode: z.string().nullable().openapi({ description: "`hot_water`, `heating`, `pool_heating`, `standby`, `off`, …", example: "heating" }),
    operational_mode_label: z.string().nullable().openapi({ description: "Podero's own label, e.g. `Hot Water`." }),
    steering_state: z.string().openapi({ description: "Podero's `actual_steering_state`." }),
    power_w: z.number().nullable().openapi({ description: "Current electrical power draw (W)." }),
  })
  .openapi({ description: "What the device does now." });

const OptimisationSchema = z
  .object({
    active: z.boolean().openapi({ description: "Podero's smart optimisation is on (`is_smart_optimization_active`)." }),
    mode: z.string().nullable().openapi({ description: "`min`, `low`, `mid`, `max`, …", example: "low" }),
    mode_label: z.string().openapi({ description: "Min, ECO, Comfort, Boost, or `Not optimizing`.", example: "ECO" }),
    level: z.string().openapi({ description: "Podero's `optimization_level`.", example: "Mid" }),
    forecasting_enabled: z.boolean(),
    trading_enabled: z.boolean(),
    heating_policy: z.object({ enabled: z.boolean(), name: z.string().nullable(), updated_at: dateTime("Last change of the heating policy.") }),
    pause_power: z.object({ active: z.boolean(), until: dateTime("Power is paused until then.") }),
    inverter_forced_mode: z.object({
      enabled: z.boolean(),
      active: z.boolean(),
      since: dateTime("`null`: never (Podero's 0001-01-01 sentinel)."),
    }),
    min_solar_power_w: z.number().int().openapi({ description: "Solar surplus that triggers consumption (W)." }),
    temperature_delta_override_c: z.object({
      slight: z.number().int().nullable(),
      significant: z.number().int().nullable(),
    }),
  })
  .openapi({ description: "Podero's optimisation setting (intent, not activity)." });

const CapabilitiesSchema = z
  .object({
    space_heating: z.boolean(),
    hot_water: z.boolean(),
    pool_heating: z.boolean(),
    space_cooling: z.boolean(),
  })
  .openapi({ description: "Functions Podero manages on this device (`is_*_enabled`)." });

const SpaceHeatingSchema = z.object({
  indoor_actual_c: celsius("Indoor temperature"),
  indoor_target_c: celsius("Indoor target temperature"),
  target_offset_c: celsius("Offset Podero applies to the indoor target"),
  min_c: celsius("Lowest target Podero may steer to"),
  max_c: celsius("Highest target Podero may steer to"),
});

const HotWaterSchema = z.object({
  actual_c: celsius("Domestic hot water temperature"),
  target_c: celsius("Standard hot water temperature (`dhw_standard_temperature`)"),
  min_c: celsius("Lowest hot water temperature Podero may steer to"),
});

const AwayModeSchema = z.object({
  enabled: z.boolean(),
  start: dateTime("Away period start."),
  end: dateTime("Away period end."),
  min_c: celsius("Lowest indoor temperature while away"),
  updated_at: dateTime("Last change of the away settings."),
});

export const HeatPumpSchema = z
  .object({
    id: z.string().nullable().openapi({ format: "uuid", description: "Podero's id (null only when Podero sent none)." }),
    label: z.string().openapi({ description: "Manufacturer and model, for display.", example: "Vaillant aroTHERM plus" }),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
    device: z.object({
      manufacturer: z.string().nullable(),
      model: z.string().nullable(),
      year: z.number().int().nullable(),
      type: z.object({ short_name: z.string().nullable(), long_name: z.string().nullable() }).nullable(),
      cloud_service_id: z.string().nullable(),
      cloud_service_instructions: z.string().nullable(),
      cloud_service_signup_link: z.string().nullable(),
      external_device_id: z.string(),
      needs_gateway: z.boolean(),
    }),
    owner: z
      .object({
        id: z.string().nullable(),
        external_id: z.string().nullable(),
        email: z.string().nullable().optional(),
        first_name: z.string().nullable().optional(),
        last_name: z.string().nullable().optional(),
      })
      .openapi({ description: "E-mail and names only with scope `owners:read`." }),
    building_id: z.string().nullable().openapi({ format: "uuid" }),
    price_zone: z.string().openapi({ description: "Electricity price zone, e.g. AT, DE_LU, SE_3 (others may appear).", example: "AT" }),
    comment: z.string().nullable(),
    status: StatusSchema,
    activity: ActivitySchema,
    optimisation: OptimisationSchema,
    capabilities: CapabilitiesSchema,
    space_heating: SpaceHeatingSchema,
    hot_water: HotWaterSchema,
    away_mode: AwayModeSchema,
    outdoor_temperature_c: celsius("Outdoor temperature"),
    water_circuit: z.object({ inlet_c: celsius("Water inlet (return)"), outlet_c: celsius("Water outlet (flow)") }),
    energy: z.object({
      consumption_last_day_kwh: z.number().nullable(),
      consumption_last_week_kwh: z.number().nullable(),
      consumption_last_month_kwh: z.number().nullable(),
      updated_at: dateTime("When the consumption figures were computed."),
    }),
    freshness: z.object({
      state_updated_at: dateTime("When the manufacturer cloud last reported the device state."),
      last_monitoring_at: dateTime("When Podero last checked the device."),
      stale: z.boolean().openapi({ description: "State older than `STATE_STALE_AFTER_SECONDS`, or unknown." }),
    }),
    onboarding: z.object({
      embeddable_url: z.string().nullable().openapi({ description: "Podero's embeddable onboarding form." }),
      authorization_url: z.string().nullable().openapi({ description: "Where the owner authorises the manufacturer cloud." }),
    }),
    additional_upstream_fields: z
      .record(z.string(), z.unknown())
      .openapi({ description: "Fields Podero sent that the edge does not know yet; only with scope `owners:read` (they may be personal data), otherwise empty." }),
  })
  .openapi("HeatPump");

export const CompactHeatPumpSchema = z
  .object({
    id: z.string().nullable().openapi({ format: "uuid" }),
    label: z.string().openapi({ example: "Vaillant aroTHERM plus" }),
    status: OverallStatusSchema,
    online: z.boolean(),
    optimising: z.boolean(),
    mode: z.string().nullable().openapi({ example: "low" }),
    mode_label: z.string().openapi({ example: "ECO" }),
    activity: z.string().nullable().openapi({ example: "heating" }),
    power_w: z.number().nullable(),
    indoor_actual_c: z.number().nullable(),
    indoor_target_c: z.number().nullable(),
    hot_water_c: z.number().nullable(),
    outdoor_c: z.number().nullable(),
    consumption_last_day_kwh: z.number().nullable(),
    action_needed: z.boolean(),
    state_updated_at: z.string().nullable().openapi({ format: "date-time" }),
    stale: z.boolean().openapi({ description: "The device state is old or unknown (see HeatPump.freshness.stale)." }),
  })
  .openapi("CompactHeatPump", { description: "What a status widget needs. No personal data, no URLs." });

export type HeatPump = z.output<typeof HeatPumpSchema>;
export type CompactHeatPump = z.output<typeof CompactHeatPumpSchema>;
export type OverallStatus = z.output<typeof OverallStatusSchema>;
