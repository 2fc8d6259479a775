// Zod's locale index, reduced to English. Wired in by `[alias]` in wrangler.toml: @hono/zod-openapi passes
// zod's whole namespace to zod-to-openapi, which keeps every one of zod's 60+ locales in the bundle although
// only English is ever used. The edge's error messages are English; this keeps the bundle to what runs.
export { default as en } from "../../node_modules/zod/v4/locales/en.js";
