/**
 * Lookups keyed by outside data (upstream strings, request values) that never reach `Object.prototype`:
 * `table["constructor"]` is a function and `table["__proto__"]` an object, so a plain index would hand either to
 * code that expects a string. Every table indexed by a value from outside goes through `own`.
 *
 * @module
 */

/** `table[key]` when `key` is the table's own property, else `undefined`. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
