// Stands in for zod's JSON Schema processors (`core/json-schema-processors.js`, wired in by `[alias]` in wrangler.toml).
// Each schema carries one for `toJSONSchema`, which the worker never calls (zod-to-openapi writes the API document
// itself; see zod-to-json-schema-unavailable.ts): they throw if ever called. `aggregateChecks` is zod's own, still
// used by schema getters (`minLength`, `format`, …) that zod-to-openapi reads. Keeps about 10 KiB out of the worker.
export { aggregateChecks } from "../../node_modules/zod/v4/core/json-schema-processors.js";

function unavailable(): never {
  throw new Error("zod's JSON Schema conversion is not available in this worker");
}

export const anyProcessor = unavailable;
export const arrayProcessor = unavailable;
export const bigintProcessor = unavailable;
export const booleanProcessor = unavailable;
export const catchProcessor = unavailable;
export const customProcessor = unavailable;
export const dateProcessor = unavailable;
export const defaultProcessor = unavailable;
export const enumProcessor = unavailable;
export const fileProcessor = unavailable;
export const functionProcessor = unavailable;
export const intersectionProcessor = unavailable;
export const lazyProcessor = unavailable;
export const literalProcessor = unavailable;
export const mapProcessor = unavailable;
export const nanProcessor = unavailable;
export const neverProcessor = unavailable;
export const nonoptionalProcessor = unavailable;
export const nullProcessor = unavailable;
export const nullableProcessor = unavailable;
export const numberProcessor = unavailable;
export const objectProcessor = unavailable;
export const optionalProcessor = unavailable;
export const pipeProcessor = unavailable;
export const prefaultProcessor = unavailable;
export const promiseProcessor = unavailable;
export const readonlyProcessor = unavailable;
export const recordProcessor = unavailable;
export const setProcessor = unavailable;
export const stringProcessor = unavailable;
export const successProcessor = unavailable;
export const symbolProcessor = unavailable;
export const templateLiteralProcessor = unavailable;
export const transformProcessor = unavailable;
export const tupleProcessor = unavailable;
export const undefinedProcessor = unavailable;
export const unionProcessor = unavailable;
export const unknownProcessor = unavailable;
export const voidProcessor = unavailable;
export const toJSONSchema = unavailable;
export const allProcessors = {};
