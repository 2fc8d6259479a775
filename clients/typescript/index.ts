/**
 * A typed client for heat-pump-edge: openapi-fetch over the types openapi-typescript generates from the committed
 * API document (`npm run openapi` writes both openapi.json and ./schema.d.ts; `npm test` fails when either is stale).
 * Every path, parameter, body and answer is typed from the document; problems (non-2xx) come back as `error`, typed
 * as the RFC 9457 problem the edge documents.
 *
 * @module
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema.d.ts";

export type { components, operations, paths } from "./schema.d.ts";

export interface HeatPumpEdgeClientOptions {
  /** The edge's address, e.g. `https://heat-pumps.example.com` (no trailing slash needed). */
  baseUrl: string;
  /** A partner token (JWT from your issuer), or a function that returns a fresh one for each request. */
  token: string | (() => string | Promise<string>);
  /** A fetch of your own (tests, proxies); default: the global fetch. */
  fetch?: typeof fetch;
}

export function createHeatPumpEdgeClient(options: HeatPumpEdgeClientOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/$/, ""), fetch: options.fetch });
  const bearer: Middleware = {
    async onRequest({ request }) {
      const token = typeof options.token === "function" ? await options.token() : options.token;
      request.headers.set("authorization", `Bearer ${token}`);
      return request;
    },
  };
  client.use(bearer);
  return client;
}

export type HeatPumpEdgeClient = ReturnType<typeof createHeatPumpEdgeClient>;
