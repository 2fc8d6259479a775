// Stands in for zod's `z.fromJSONSchema` (wired in by `[alias]` in wrangler.toml): the edge never turns
// JSON Schema into zod schemas at run time, and leaving it out keeps 12 KiB of minified code out of the worker.
export function fromJSONSchema(): never {
  throw new Error("z.fromJSONSchema is not available in this worker");
}
