// Stands in for @asteasolutions/zod-to-openapi inside the worker (wired in by `[alias]` in wrangler.toml): the
// registry that routes are declared in and zod's `.openapi()` metadata, without the document generators. The API
// document is made at build time (`npm run openapi` writes openapi.json, served as a static asset), so the worker
// never generates it; leaving the generators out keeps their code out of the bundle.
// @ts-expect-error -- the package's own build, by path: the alias above replaces the package name itself.
export { OpenAPIRegistry, extendZodWithOpenApi, getOpenApiMetadata } from "../../node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs";

/** The document generators: not in the worker. */
class GeneratedAtBuildTime {
  constructor() {
    throw new Error("The OpenAPI document is generated at build time (npm run openapi), not in the worker.");
  }
}

export { GeneratedAtBuildTime as OpenApiGeneratorV3, GeneratedAtBuildTime as OpenApiGeneratorV31 };
