/**
 * The client in use: a partner app reads one customer's heat pumps and says which need attention.
 * `node clients/typescript/example.ts` against `npm start` (EDGE_URL, EDGE_TOKEN, ORG_ID, USER_ID from the
 * environment; `npm start` prints a token); the e2e test runs `summarise` against a running edge.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { createHeatPumpEdgeClient } from "./index.ts";

export async function summarise(baseUrl: string, token: string, orgId: string, userId: string): Promise<string[]> {
  const edge = createHeatPumpEdgeClient({ baseUrl, token });
  const { data, error, response } = await edge.GET("/v1/orgs/{org_id}/users/{user_id}/heat-pumps", {
    params: { path: { org_id: orgId, user_id: userId }, query: { view: "compact" } },
  });
  if (error) throw new Error(`${response.status} ${error.code}: ${error.detail}`);
  // The list answers either view; `view=compact` asked for the compact one.
  return data.data.map((pump) => ("online" in pump ? `${pump.label}: ${pump.status}${pump.online ? "" : ", offline"}${pump.action_needed ? ", action needed" : ""}` : pump.label));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { EDGE_URL = "http://127.0.0.1:8787", EDGE_TOKEN, ORG_ID, USER_ID } = process.env;
  if (!EDGE_TOKEN || !ORG_ID || !USER_ID) throw new Error("set EDGE_TOKEN, ORG_ID and USER_ID (npm start prints them)");
  for (const line of await summarise(EDGE_URL, EDGE_TOKEN, ORG_ID, USER_ID)) console.log(line);
}
