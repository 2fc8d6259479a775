import type { AccessGrant } from "../auth/authorize.ts";
import type { EdgeConfig } from "../config/config.ts";
import {
  UpstreamAuthError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamUnavailableError,
  UserNotFoundError,
} from "../problems/errors.ts";
import { ProblemError } from "../problems/problem-error.ts";
import type { UpstreamCircuitClient } from "./circuit.ts";
import { credentialSource } from "./credentials.ts";
import { Deadline, isAbort } from "./deadline.ts";
import { parseHeatPumpList, type ParsedList } from "./parse-list.ts";
import { readBodyWithLimit } from "./read-body.ts";
import { retryAfterSeconds } from "./retry-after.ts";
import { childTraceparent } from "./trace.ts";

export interface UpstreamCall {
  requestId: string;
  /** The caller's `traceparent`, continued upstream. */
  traceparent: string | undefined;
  /** Filled in as the call goes, for the request's log line (also when it fails). */
  observed: { upstream_status?: number; upstream_attempts?: number; upstream_ms?: number };
  /** The shared circuit breaker, when bound: asked before the call, told how it went. */
  circuit?: UpstreamCircuitClient;
}

export interface UpstreamList extends ParsedList {
  /** When the edge received this list from Podero (ISO 8601). */
  fetchedAt: string;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
/** A retry is only worth starting with at least this much of the deadline left. */
const MIN_RETRY_BUDGET_MS = 500;
const USER_AGENT = "heat-pump-edge/0.1 (+Podero partner API edge)";

/** GET /api/partners/v2.0/org/{org_id}/users/{user_id}/heat-pumps, validated. Every failure is a ProblemError. */
export async function fetchUserHeatPumps(config: EdgeConfig["upstream"], grant: AccessGrant, call: UpstreamCall): Promise<UpstreamList> {
  // Ids come from a validated grant (UUIDs), so the path cannot be steered elsewhere.
  const url = `${config.baseUrl}/api/partners/v2.0/org/${grant.orgId}/users/${grant.userId}/heat-pumps`;
  await call.circuit?.admit();
  const deadline = new Deadline(config.timeoutMs);
  const started = performance.now();
  try {
    const list = await fetchWithin(url, deadline, config, call);
    call.circuit?.report(undefined);
    return list;
  } catch (error) {
    call.circuit?.report(error);
    throw error;
  } finally {
    call.observed.upstream_ms = Math.round(performance.now() - started);
  }
}

async function fetchWithin(url: string, deadline: Deadline, config: EdgeConfig["upstream"], call: UpstreamCall): Promise<UpstreamList> {
  const credentials = credentialSource(config.baseUrl, config.credentials);
  const traceparent = childTraceparent(call.traceparent);
  let renewedToken = false;
  let retried = false;
  let attempts = 0;

  for (;;) {
    attempts += 1;
    call.observed.upstream_attempts = attempts;
    let response: Response;
    try {
      const token = await credentials.token(deadline);
      response = await fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          "user-agent": USER_AGENT,
          "x-request-id": call.requestId,
          traceparent,
        },
        redirect: "manual",
        signal: deadline.signal(),
      });
    } catch (error) {
      if (isAbort(error)) throw deadline.exceeded(error);
      if (error instanceof ProblemError) throw error; // from the token endpoint or the deadline
      // Anything else fetch throws is the network (workerd: "Network connection lost.", TypeError, …).
      if (!retried && (await waitForRetry(deadline))) {
        retried = true;
        continue;
      }
      throw new UpstreamError("Podero could not be reached.", { cause: error });
    }
    call.observed.upstream_status = response.status;

    if (response.status === 401 && !renewedToken && credentials.invalidate()) {
      await response.body?.cancel();
      renewedToken = true;
      continue;
    }
    if (RETRYABLE_STATUS.has(response.status) && !retried) {
      const retryAfter = response.headers.get("retry-after");
      if (await waitForRetry(deadline, response, retryAfter ? retryAfterSeconds(retryAfter) * 1000 : 0)) {
        retried = true;
        continue;
      }
    }
    if (!response.ok) throw await statusProblem(response);

    let text: string;
    try {
      text = await readBodyWithLimit(response, config.maxBodyBytes);
    } catch (error) {
      if (isAbort(error)) throw deadline.exceeded(error);
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new UpstreamBadResponseError("Podero's answer is not valid JSON.", { cause: error });
    }
    return { ...parseHeatPumpList(body), fetchedAt: new Date().toISOString() };
  }
}

/** Waits a jittered moment before the one retry; false when the deadline leaves no room for it. */
async function waitForRetry(deadline: Deadline, response?: Response, atLeastMs = 0): Promise<boolean> {
  await response?.body?.cancel();
  const delayMs = Math.max(atLeastMs, 50 + Math.random() * 200);
  if (deadline.remainingMs() < delayMs + MIN_RETRY_BUDGET_MS) return false;
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  return true;
}

async function statusProblem(response: Response) {
  await response.body?.cancel();
  const status = response.status;
  if (status === 404) return new UserNotFoundError("Podero does not know this user in this organisation.");
  if (status === 401 || status === 403) {
    // A 401 refuses the edge's credentials for everything; a 403 may be one organisation the account does not cover.
    return new UpstreamAuthError(`Podero refused the edge's credentials (${status}).`, { extensions: {}, cause: { credentialsRefused: status === 401 } });
  }
  if (status === 429 || status === 503) {
    const header = response.headers.get("retry-after");
    const seconds = retryAfterSeconds(header);
    return new UpstreamUnavailableError(
      status === 429 ? "Podero is rate limiting the edge." : "Podero is temporarily unavailable.",
      // Podero's own Retry-After (not the default) pauses background polling everywhere (src/upstream/circuit.ts).
      { headers: { "retry-after": String(seconds) }, extensions: { retry_after_s: seconds }, cause: { poderoRetryAfterS: header ? seconds : undefined } },
    );
  }
  if (status >= 300 && status < 400) return new UpstreamError(`Podero answered with a redirect (${status}); the edge does not follow it.`);
  return new UpstreamError(`Podero answered ${status}.`);
}
