import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { defaultHeatPumps, type UpstreamItem } from "./fixtures.ts";
import { FakeIdp, type Algorithm } from "./idp.ts";
import type { FakeResponse, Scenario } from "./scenario.ts";

/**
 * A fake Podero partner API (and partner identity provider) on a real local HTTP port, faithful to the
 * reference page: Bearer auth, OAuth 2.0 client credentials at /oauth2/token/, plain JSON arrays,
 * `{"detail": …}` errors. Tests steer it per user id, so parallel test files never meet:
 *   PUT  /__fake/users/{user_id}   {"items"?: [...], "queue"?: [FakeResponse…]}  (queue answers first, in order)
 *   GET  /__fake/users/{user_id}   {"calls", "last_headers"}
 *   GET  /__fake/seen/{request_id} {"seen"}: whether a call to Podero (or its token endpoint) carried that x-request-id
 *   POST /__fake/oauth/revoke      invalidates every issued access token
 *   GET  /__fake/oauth             {"token_requests"}
 *   GET  /__fake/oauth/clients/{id} {"token_requests"} of one client ("short-lived-…" clients get 600 s tokens)
 *   GET  /__idp/{name}/jwks.json, POST /__idp/{name}/sign {payload, alg?, header?}, POST /__idp/{name}/rotate, GET /__idp/{name}
 * and a webhook receiver for the webhook tests:
 *   POST /__receiver/{id} records the request and answers the next scripted status (default 204);
 *   PUT  /__receiver/{id} {"statuses": [500, {"status": 503, "headers": {"retry-after": "…"}}, …]} scripts it;
 *   GET /__receiver/{id} lists what it received.
 */


/** A receiver's scripted answer: a status, or a status with headers (e.g. Retry-After). */
type ScriptedAnswer = number | { status: number; headers?: Record<string, string> };

export interface FakeOptions {
  port?: number;
  host?: string;
  /** Added to every upstream answer, like a real network and Podero's own work. */
  latencyMs?: number;
  staticToken?: string;
  clients?: Record<string, string>;
  /** What a user without a scenario holds (default: `defaultHeatPumps`): a benchmark's users changing over time. */
  itemsFor?: (orgId: string, userId: string) => UpstreamItem[];
  /** Told of every heat-pump list call as it arrives (a benchmark's record of who was checked when). */
  onList?: (orgId: string, userId: string) => void;
}

interface UserState {
  items?: UpstreamItem[];
  queue: FakeResponse[];
  calls: number;
  lastHeaders: Record<string, string | undefined>;
}

const LIST_PATH = /^\/api\/partners\/v2\.0\/org\/([^/]+)\/users\/([^/]+)\/heat-pumps\/?$/;

export async function startFakePodero(options: FakeOptions = {}) {
  const staticToken = options.staticToken ?? "fake-upstream-token";
  const clients = options.clients ?? { "fake-client": "fake-secret" };
  const users = new Map<string, UserState>();
  /** The x-request-id of every call to the partner API or the token endpoint: did a given request reach Podero? */
  const seenRequestIds = new Set<string>();
  const issued = new Set<string>();
  const idp = new FakeIdp();
  let tokenRequests = 0;
  const tokenRequestsByClient = new Map<string, number>();
  const receivers = new Map<string, { statuses: ScriptedAnswer[]; received: { headers: Record<string, string | undefined>; body: string }[] }>();
  const receiver = (id: string) => {
    let state = receivers.get(id);
    if (!state) receivers.set(id, (state = { statuses: [], received: [] }));
    return state;
  };

  const user = (id: string): UserState => {
    let state = users.get(id);
    if (!state) users.set(id, (state = { queue: [], calls: 0, lastHeaders: {} }));
    return state;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };

    const requestId = req.headers["x-request-id"];
    if (typeof requestId === "string" && (path === "/oauth2/token/" || LIST_PATH.test(path))) seenRequestIds.add(requestId);
    const seen = /^\/__fake\/seen\/([\w-]+)$/.exec(path);
    if (seen) return send(200, { seen: seenRequestIds.has(seen[1]!) });

    if (req.method === "POST" && path === "/oauth2/token/") {
      tokenRequests += 1;
      const [id, secret] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString().split(":");
      const body = JSON.parse((await readBody(req)) || "{}") as { grant_type?: string };
      // "short-lived-…" clients (secret "fake-secret") get 10-minute tokens, so a test can see when they are renewed.
      const shortLived = id?.startsWith("short-lived-") && secret === "fake-secret";
      if (!id || (clients[id] !== secret && !shortLived)) return send(401, { error: "invalid_client" });
      if (body.grant_type !== "client_credentials") return send(400, { error: "unsupported_grant_type" });
      tokenRequestsByClient.set(id, (tokenRequestsByClient.get(id) ?? 0) + 1);
      const token = `oauth-${crypto.randomUUID()}`;
      issued.add(token);
      return send(200, { access_token: token, expires_in: shortLived ? 600 : 36000, token_type: "Bearer", scope: "read write" });
    }

    const list = LIST_PATH.exec(path);
    if (req.method === "GET" && list) {
      options.onList?.(decodeURIComponent(list[1]!), decodeURIComponent(list[2]!));
      const state = user(decodeURIComponent(list[2]!));
      state.calls += 1;
      state.lastHeaders = pick(req.headers, ["authorization", "traceparent", "x-request-id", "user-agent", "accept"]);
      await sleep(options.latencyMs ?? 0);
      const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      if (bearer !== staticToken && !issued.has(bearer)) {
        return send(401, { detail: "Authentication credentials were not provided." });
      }
      const scripted = state.queue.shift();
      if (scripted) return respond(res, scripted);
      if (!state.items && options.itemsFor) return send(200, options.itemsFor(decodeURIComponent(list[1]!), decodeURIComponent(list[2]!)));
      return send(200, state.items ?? defaultHeatPumps(decodeURIComponent(list[2]!), decodeURIComponent(list[1]!)));
    }

    const control = /^\/__fake\/users\/([^/]+)$/.exec(path);
    if (control) {
      const state = user(decodeURIComponent(control[1]!));
      if (req.method === "PUT") {
        const scenario = JSON.parse(await readBody(req)) as Scenario;
        state.items = scenario.items;
        state.queue = scenario.queue ?? [];
        return send(204, null);
      }
      return send(200, { calls: state.calls, last_headers: state.lastHeaders, queued: state.queue.length });
    }
    if (path === "/__fake/oauth/revoke" && req.method === "POST") {
      issued.clear();
      return send(204, null);
    }
    if (path === "/__fake/oauth") return send(200, { token_requests: tokenRequests });
    const clientRequests = /^\/__fake\/oauth\/clients\/([\w-]+)$/.exec(path);
    if (clientRequests) return send(200, { token_requests: tokenRequestsByClient.get(clientRequests[1]!) ?? 0 });

    const hook = /^\/__receiver\/([\w-]+)$/.exec(path);
    if (hook) {
      const state = receiver(hook[1]!);
      if (req.method === "POST") {
        state.received.push({ headers: pick(req.headers, ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent"]), body: await readBody(req) });
        const next = state.statuses.shift() ?? 204;
        return typeof next === "number" ? send(next, null) : send(next.status, null, next.headers);
      }
      if (req.method === "PUT") {
        state.statuses = (JSON.parse(await readBody(req)) as { statuses: ScriptedAnswer[] }).statuses;
        return send(204, null);
      }
      return send(200, { received: state.received });
    }

    const idpPath = /^\/__idp\/([\w-]+)(\/jwks\.json|\/sign|\/rotate)?$/.exec(path);
    if (idpPath) {
      const name = idpPath[1]!;
      if (idpPath[2] === "/jwks.json") return send(200, await idp.jwks(name), { "cache-control": "max-age=300" });
      if (idpPath[2] === "/rotate" && req.method === "POST") return send(204, await idp.rotate(name));
      if (idpPath[2] === "/sign" && req.method === "POST") {
        const input = JSON.parse(await readBody(req)) as { payload: Record<string, unknown>; alg?: Algorithm; header?: Record<string, unknown> };
        return send(200, { token: await idp.sign(name, input.payload, input) });
      }
      const issuer = await idp.issuer(name);
      return send(200, { jwks_requests: issuer.jwksRequests, public_jwks: await idp.jwks(name, false) });
    }
    return send(404, { detail: "Not found." });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: String(error) }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    idp,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function respond(res: ServerResponse, scripted: FakeResponse): Promise<void> {
  await sleep(scripted.delay_ms ?? 0);
  if (scripted.drop) {
    res.socket?.destroy();
    return;
  }
  const body = scripted.body ?? (scripted.json === undefined ? "" : JSON.stringify(scripted.json));
  res.writeHead(scripted.status ?? 200, { "content-type": "application/json", ...scripted.headers });
  if (scripted.chunked) {
    for (let offset = 0; offset < body.length; offset += 16_384) res.write(body.slice(offset, offset + 16_384));
    res.end();
    return;
  }
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    req.on("error", reject);
  });
}

function pick(headers: IncomingMessage["headers"], names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, headers[name] === undefined ? undefined : String(headers[name])]));
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
