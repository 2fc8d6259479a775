/**
 * `GET /health/ready`: the state of each dependency, for uptime monitors and operators. No upstream call (the
 * circuit says how Podero is doing), no personal data, and answers reused for 5 s per isolate, so an unauthenticated
 * caller cannot turn it into load on KV or D1.
 *
 * @module
 */
import type { z } from "@hono/zod-openapi";
import type { EdgeConfig } from "../config/config.ts";
import { latestAttemptAt } from "../webhooks/store/events.ts";
import { circuitState, circuitStub } from "../upstream/circuit.ts";
import { credentialStatus } from "../upstream/credentials.ts";
import type { ReadinessSchema } from "./routes.ts";

type Readiness = z.infer<typeof ReadinessSchema>;

const REUSE_MS = 5000;
let last: { at: number; readiness: Readiness } | undefined;
let running: Promise<Readiness> | undefined;

async function probe(run: () => Promise<unknown>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = Date.now();
  try {
    await run();
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    // The operator's log has the reason; an unauthenticated caller learns only that it failed.
    console.log(JSON.stringify({ level: "error", message: "readiness probe failed", error: error instanceof Error ? error.message.slice(0, 200) : String(error) }));
    return { ok: false, ms: Date.now() - started, error: "failed" };
  }
}

export interface ReadinessDeps {
  config: EdgeConfig;
  kv: KVNamespace | undefined;
  db: D1Database | undefined;
  circuit: DurableObjectNamespace | undefined;
}

export async function readiness(deps: ReadinessDeps): Promise<Readiness> {
  if (last && Date.now() - last.at < REUSE_MS) return last.readiness;
  // Concurrent callers share one round of probes (a burst on a cold isolate costs one, not one each).
  running ??= measure(deps).finally(() => (running = undefined));
  return running;
}

async function measure(deps: ReadinessDeps): Promise<Readiness> {
  const unbound = async () => {
    throw new Error("not bound");
  };
  let lastDelivery: string | null = null;
  const [kv, d1, circuit] = await Promise.all([
    probe(deps.kv ? () => deps.kv!.get("health:probe") : unbound),
    probe(deps.db ? async () => (lastDelivery = await latestAttemptAt(deps.db!)) : unbound),
    circuitState(circuitStub(deps.circuit, deps.config.upstream.circuit.name)),
  ]);
  // Bound but not answering: the webhook worker that hosts it is missing (not deployed, or another name).
  const upstreamCircuit = circuit ? { ...circuit } : { state: deps.circuit ? ("unreachable" as const) : ("unknown" as const), since: null };
  const ready = kv.ok && d1.ok && upstreamCircuit.state !== "open" && upstreamCircuit.state !== "unreachable";
  const readiness: Readiness = {
    status: ready ? "ready" : "not_ready",
    checks: {
      kv,
      d1,
      upstream_circuit: upstreamCircuit,
      upstream_credentials: credentialStatus(deps.config.upstream.baseUrl, deps.config.upstream.credentials),
      webhooks: { last_delivery_at: lastDelivery },
    },
  };
  last = { at: Date.now(), readiness };
  return readiness;
}

/** Forgets the reused answer (tests). */
export function forgetReadiness(): void {
  last = undefined;
}
