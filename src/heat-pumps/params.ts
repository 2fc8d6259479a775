import { z } from "@hono/zod-openapi";

/** A UUID in its canonical 8-4-4-4-12 hex form (any version; Podero's ids are UUIDs). Lower-cased. */
const uuid = (name: string, description: string) =>
  z
    .guid({ error: `${name} must be a UUID` })
    .transform((id) => id.toLowerCase())
    .openapi({ param: { name, in: "path" }, format: "uuid", description, example: "3c90c3cc-0d44-4b50-8888-8dd25736052a" });

export const OrgId = uuid("org_id", "The partner's organisation in Podero; must equal the token's `org_id` claim.");
export const UserId = uuid("user_id", "The user whose heat pumps to read; must equal the token's `user_id` claim where it has one.");
export const HeatPumpId = uuid("heat_pump_id", "The heat pump's id.");

export const UserPathParams = z.object({ org_id: OrgId, user_id: UserId });
export const HeatPumpPathParams = z.object({ org_id: OrgId, user_id: UserId, heat_pump_id: HeatPumpId });

const view = z
  .enum(["full", "compact"], { error: "view must be full or compact" })
  .default("full")
  .openapi({ param: { name: "view", in: "query" }, description: "`full` (every field) or `compact` (what a status widget needs)." });

export const ViewQuery = z.object({ view });

export const ListQuery = z.object({
  view,
  status: z
    .enum(["ok", "warning", "error", "unknown"], { error: "status must be ok, warning, error or unknown" })
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only heat pumps whose overall status is this." }),
});

export const IfNoneMatch = z.object({
  "if-none-match": z
    .string()
    .optional()
    .openapi({ param: { name: "if-none-match", in: "header" }, description: "An `ETag` from an earlier answer: `304` when it still matches." }),
  "cache-control": z
    .string()
    .optional()
    .openapi({ param: { name: "cache-control", in: "header" }, description: "`no-cache` revalidates with Podero (throttled per user; see `refreshHeatPumps`)." }),
});
