// Stands in for zod's `z.compile` (wired in by `[alias]` in wrangler.toml). z.compile generates validator
// code with `new Function`, which Workers forbid, so it could never run here; zod's own parsers (which
// the edge uses) are untouched. Leaving it out keeps 30 KiB of minified code out of the worker.
export const INVALID = Symbol.for("zod.compile.invalid");

export class ZodCompileAsyncError extends Error {}

export class ZodCompileUnsupportedError extends Error {}

function unavailable(): never {
  throw new ZodCompileUnsupportedError("z.compile is not available in this worker: Workers do not allow code generation");
}

export const compile = unavailable;
export const compileFn = unavailable;
export const withParser = unavailable;
