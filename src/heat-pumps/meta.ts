import { z } from "@hono/zod-openapi";

export const InvalidItemSchema = z
  .object({
    index: z.number().int().openapi({ description: "Position in Podero's list." }),
    id: z.string().nullable().openapi({ description: "The item's id, when readable." }),
    issues: z.array(z.string()).openapi({ description: "Failing fields and why (values are never echoed)." }),
  })
  .openapi("InvalidUpstreamItem", {
    description: "An item Podero sent that the edge could not read. It is left out of `data` and reported here and in the logs.",
  });

const fetchedAt = z.string().openapi({ format: "date-time", description: "When the edge received this data from Podero." });
const stale = z.boolean().openapi({ description: "Served from the edge's copy past its freshness because Podero could not be asked." });

export const ListMetaSchema = z
  .object({
    fetched_at: fetchedAt,
    stale,
    count: z.number().int().openapi({ description: "Number of items in `data` (after the `status` filter)." }),
    view: z.enum(["full", "compact"]),
    invalid_items: z.array(InvalidItemSchema),
  })
  .openapi("ListMeta");

export const ItemMetaSchema = z.object({ fetched_at: fetchedAt, stale, view: z.enum(["full", "compact"]) }).openapi("ItemMeta");
