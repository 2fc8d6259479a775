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
const stale = z.boolean().openapi({ description: "Served from the edge's copy past its freshness because Podero failed (stale-if-error); show it as such." });

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

export const RefreshMetaSchema = ListMetaSchema.extend({
  refreshed: z.boolean().openapi({ description: "Podero was asked now; false when the last fetch is younger than the refresh interval." }),
}).openapi("RefreshMeta");

export const CACHE_RESPONSE_HEADERS = {
  ETag: { description: "Strong validator of this representation; send it back in `If-None-Match`.", schema: { type: "string" as const } },
  "Cache-Control": { description: "`private, max-age=<seconds the edge's copy stays fresh>` (`no-cache` with the cache off).", schema: { type: "string" as const } },
  Age: { description: "Seconds since the edge fetched the data from Podero.", schema: { type: "integer" as const } },
  "Cache-Status": {
    description: "RFC 9211, e.g. `heat-pump-edge; hit; ttl=12; detail=memory`, `heat-pump-edge; fwd=miss; fwd-status=200; stored`, `…; detail=stale-while-revalidate`, `…; detail=stale-if-error`, `…; detail=upstream-backoff` (Podero failed for this user moments ago and was not asked again).",
    schema: { type: "string" as const },
  },
  "RateLimit-Policy": { description: 'The partner\'s rate limit, e.g. `"partner";q=600;w=60`.', schema: { type: "string" as const } },
};
