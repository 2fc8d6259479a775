// Where the API reference's script is served: Scalar's standalone build, copied from the pinned
// @scalar/api-reference devDependency into assets/ by scripts/docs-assets.ts and served by Workers static
// assets under a versioned path (immutable: a new version is a new path). Plain constants, no imports:
// the Node script imports this file too, and refuses to copy when the installed version differs.
export const SCALAR_VERSION = "1.76.0";
export const SCALAR_SCRIPT_PATH = `/docs/assets/scalar-api-reference-${SCALAR_VERSION}.js`;
