/**
 * What is deprecated in this API, with its dates: each entry's answers carry `Deprecation`, `Sunset` and `Link`
 * (src/middleware/deprecation) and its operation must say `deprecated: true` in the API document (a test checks
 * both). Empty: nothing in /v1 is deprecated. Policy: docs/versioning.md.
 *
 * @module
 */
import type { DeprecatedOperation } from "../middleware/deprecation/index.ts";

export const DEPRECATIONS: readonly DeprecatedOperation[] = [];
