/**
 * The API document's own parts (info, tags, servers). The document is generated at build time from the routes
 * (`npm run openapi` writes openapi.json, committed; `npm test` fails when it is stale) and served as a static asset
 * at /openapi.json: the worker carries no document generator.
 *
 * @module
 */
export const API_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "heat-pump-edge",
    version: "0.1.0",
    description:
      "Edge API in front of the Podero partner API: verified partner tokens, reshaped heat-pump data, " +
      "RFC 9457 problem answers. Every answer carries `x-request-id` and `Server-Timing`. Versioning: docs/versioning.md.",
  },
  // Relative: the document is served by the edge it describes, whatever its address.
  servers: [{ url: "/", description: "This edge." }],
  tags: [
    { name: "Heat pumps", description: "The edge's documented representation." },
    { name: "Podero-compatible", description: "Podero's own shape, for migrating apps." },
    { name: "Embeds", description: "Status cards in partners' pages: embed tokens, widget data, the card." },
    { name: "Webhooks", description: "Subscriptions, watched users and deliveries (sent by the webhook worker)." },
    { name: "Service", description: "Health and problem types." },
  ],
} as const;
