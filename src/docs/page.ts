import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { SCALAR_SCRIPT_PATH } from "./scalar.ts";

// The interactive API reference (Scalar) at /docs. Everything comes from this origin: the page from the worker,
// the script from Workers static assets (src/docs/scalar.ts), the document from /openapi.json. Scalar reads its
// configuration from data attributes, so the page has no inline script; its own styles are injected at run time
// (hence style-src 'unsafe-inline'). Scalar's web fonts, telemetry, AI agent and MCP and SDK promotions, which
// would call other origins, are switched off, and the CSP would refuse them anyway.

const CONFIGURATION = {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
};

export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const escapeAttribute = (value: string) => value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>heat-pump-edge API</title>
</head>
<body>
<script id="api-reference" type="application/json" data-configuration="${escapeAttribute(JSON.stringify(CONFIGURATION))}"></script>
<script src="${SCALAR_SCRIPT_PATH}"></script>
</body>
</html>
`;

export function docsPage(c: Context<AppEnv>): Response {
  // The page names a versioned script: revalidated on every visit so a deployment never leaves a stale path behind.
  return c.html(PAGE, 200, { "content-security-policy": DOCS_CSP, "cache-control": "no-cache" });
}
