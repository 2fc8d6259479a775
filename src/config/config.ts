import { z } from "zod";
import { MisconfiguredError } from "../problems/errors.ts";
import type { CircuitSettings } from "../upstream/circuit-policy.ts";

/**
 * The worker's settings, parsed once per `env` object (one per isolate) and frozen.
 * A bad setting is a 500 `misconfigured` problem on every request and one log line naming the
 * setting, never a half-working edge. Secret values never appear in either.
 */

const JwkSchema = z.record(z.string(), z.unknown());

const IssuerSchema = z
  .object({
    issuer: z.string().min(1),
    jwks_uri: z.url({ protocol: /^https?$/ }).optional(),
    jwks: z.object({ keys: z.array(JwkSchema).min(1) }).optional(),
    // Required: which organisations this issuer's tokens may act for. Trusting one issuer for every
    // organisation lets its identity provider mint tokens for other partners' organisations, so it must be
    // said outright ("*"), never implied by a missing field.
    orgs: z.union([z.literal("*"), z.array(z.guid().transform((id) => id.toLowerCase())).min(1)], {
      error: 'required: a list of organisation ids this issuer may act for, or "*" for every organisation',
    }),
  })
  .refine((issuer) => (issuer.jwks_uri === undefined) !== (issuer.jwks === undefined), {
    message: "give exactly one of jwks_uri or jwks",
  });

export type IssuerConfig = z.output<typeof IssuerSchema>;

const jsonString = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "not valid JSON" });
      return z.NEVER;
    }
  }).pipe(schema);

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().positive().max(max).optional().default(fallback);

const nonNegativeInt = (fallback: number, max: number) =>
  z.coerce.number().int().nonnegative().max(max).optional().default(fallback);

export const EnvSchema = z.object({
  ENVIRONMENT: z.string().default("production"),
  UPSTREAM_BASE_URL: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, "")),
  UPSTREAM_TIMEOUT_MS: positiveInt(4000, 60_000),
  UPSTREAM_MAX_BODY_BYTES: positiveInt(5 * 1024 * 1024, 100 * 1024 * 1024),
  UPSTREAM_API_TOKEN: z.string().min(1).optional(),
  UPSTREAM_CLIENT_ID: z.string().min(1).optional(),
  UPSTREAM_CLIENT_SECRET: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).default("heat-pump-edge"),
  PARTNER_JWKS_MAX_AGE_SECONDS: positiveInt(60, 3600),
  PARTNER_ISSUERS: jsonString(z.array(IssuerSchema)),
  STATE_STALE_AFTER_SECONDS: positiveInt(3600, 30 * 86400),
  CACHE_ENABLED: z.enum(["true", "false"]).default("true"),
  CACHE_TTL_SECONDS: positiveInt(30, 3600),
  CACHE_SWR_SECONDS: nonNegativeInt(300, 86400),
  CACHE_STALE_IF_ERROR_SECONDS: nonNegativeInt(86400, 7 * 86400),
  CACHE_NEGATIVE_TTL_SECONDS: nonNegativeInt(10, 300),
  CACHE_REFRESH_MIN_INTERVAL_SECONDS: positiveInt(5, 300),
  UPSTREAM_FAILURE_BACKOFF_SECONDS: positiveInt(5, 60),
  UPSTREAM_CIRCUIT_WINDOW_SECONDS: positiveInt(30, 600),
  UPSTREAM_CIRCUIT_MIN_CALLS: positiveInt(20, 1_000_000),
  UPSTREAM_CIRCUIT_FAILURE_RATIO: z.coerce.number().min(0.05).max(1).optional().default(0.5),
  UPSTREAM_CIRCUIT_COOLDOWN_SECONDS: positiveInt(30, 3600),
  UPSTREAM_CIRCUIT_PROBES: positiveInt(3, 100),
  UPSTREAM_CIRCUIT_NAME: z.string().min(1).max(200).optional(),
  UPSTREAM_MAX_REQUESTS_PER_SECOND: positiveInt(50, 100_000),
  RATE_LIMIT_REQUESTS: nonNegativeInt(600, 1_000_000),
  WEBHOOK_MAX_WATCHES_PER_ORG: positiveInt(100_000, 10_000_000),
  WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG: positiveInt(20, 1000),
  EMBED_SIGNING_KEY: z.string().min(1).optional(),
  RATE_LIMIT_PERIOD_SECONDS: z.enum(["10", "60"]).default("60").transform(Number),
});

export type UpstreamCredentials =
  | { kind: "static"; token: string }
  | { kind: "client_credentials"; clientId: string; clientSecret: string };

export interface EdgeConfig {
  environment: string;
  /** Only development allows plain-http upstreams and issuers (local fakes). */
  development: boolean;
  audience: string;
  issuers: readonly IssuerConfig[];
  /** A fetched JWKS is used at most this long: the bound on trusting a key the issuer withdrew (plus 60 s). */
  jwksMaxAgeSeconds: number;
  stateStaleAfterSeconds: number;
  upstream: {
    baseUrl: string;
    timeoutMs: number;
    maxBodyBytes: number;
    credentials: UpstreamCredentials;
    /** The circuit breaker over all calls to Podero (both workers share it by name). */
    /** UPSTREAM_MAX_REQUESTS_PER_SECOND: every call to Podero counts; background checks take what readers leave. */
    maxRequestsPerSecond: number;
    circuit: CircuitSettings & { name: string };
  };
  cache: CacheSettings;
  /** The edge's private JWK for embed tokens (secret); embedding is off without it. */
  embedSigningKey: string | undefined;
  /** Per issuer and organisation; `requests: 0` turns it off. Must match the `[[ratelimits]]` binding's `simple` config. */
  rateLimit: { requests: number; periodSeconds: number };
  /** Quotas per organisation: watched users and webhook subscriptions. */
  webhooks: { maxWatchesPerOrg: number; maxSubscriptionsPerOrg: number };
}

export interface CacheSettings {
  enabled: boolean;
  /** Fresh for this long after the fetch. */
  ttlSeconds: number;
  /** After that, served at once while one background refresh runs (RFC 5861 stale-while-revalidate). */
  swrSeconds: number;
  /** After freshness, served when Podero fails (RFC 5861 stale-if-error). */
  staleIfErrorSeconds: number;
  /** How long an upstream 404 is remembered (0: not at all). */
  negativeTtlSeconds: number;
  /** Forced refreshes of one key go upstream at most once per this interval. */
  refreshMinIntervalSeconds: number;
  /** After Podero failed for a key, it is not asked again for this long (doubling per failure, at most 60 s). */
  failureBackoffSeconds: number;
}

export function parseConfig(env: Record<string, unknown>): EdgeConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw misconfigured(parsed.error.issues.map((issue) => `${issue.path.join(".")}${issuerNamed(env, issue.path)}: ${issue.message}`));
  }
  const vars = parsed.data;
  const development = vars.ENVIRONMENT === "development";
  const problems: string[] = [];

  let credentials: UpstreamCredentials | undefined;
  if (vars.UPSTREAM_CLIENT_ID && vars.UPSTREAM_CLIENT_SECRET) {
    credentials = { kind: "client_credentials", clientId: vars.UPSTREAM_CLIENT_ID, clientSecret: vars.UPSTREAM_CLIENT_SECRET };
  } else if (vars.UPSTREAM_API_TOKEN) {
    credentials = { kind: "static", token: vars.UPSTREAM_API_TOKEN };
  } else {
    problems.push("upstream credentials: set UPSTREAM_API_TOKEN, or UPSTREAM_CLIENT_ID and UPSTREAM_CLIENT_SECRET");
  }
  if (!development) {
    if (!vars.UPSTREAM_BASE_URL.startsWith("https://")) problems.push("UPSTREAM_BASE_URL: must be https outside development");
    vars.PARTNER_ISSUERS.forEach((issuer, index) => {
      if (issuer.jwks_uri?.startsWith("http://")) problems.push(`PARTNER_ISSUERS.${index}.jwks_uri: must be https outside development`);
    });
  }
  const issuerNames = vars.PARTNER_ISSUERS.map((issuer) => issuer.issuer);
  if (new Set(issuerNames).size !== issuerNames.length) problems.push("PARTNER_ISSUERS: an issuer is listed twice");
  // The edge signs embed tokens as "heat-pump-edge" and names its own principals "heat-pump-edge:…" (embeds,
  // webhook checks); a partner issuer of such a name could blur the kinds (and their rate-limit keys).
  if (issuerNames.some((name) => name === "heat-pump-edge" || name.startsWith("heat-pump-edge:"))) {
    problems.push('PARTNER_ISSUERS: "heat-pump-edge" and "heat-pump-edge:…" are the edge\'s own issuer names');
  }
  if (problems.length > 0 || !credentials) throw misconfigured(problems);
  console.log(JSON.stringify({ level: "info", message: "partner issuers", issuers: vars.PARTNER_ISSUERS.map(describeIssuer) }));

  return Object.freeze({
    environment: vars.ENVIRONMENT,
    development,
    audience: vars.JWT_AUDIENCE,
    issuers: Object.freeze(vars.PARTNER_ISSUERS),
    jwksMaxAgeSeconds: vars.PARTNER_JWKS_MAX_AGE_SECONDS,
    stateStaleAfterSeconds: vars.STATE_STALE_AFTER_SECONDS,
    upstream: Object.freeze({
      baseUrl: vars.UPSTREAM_BASE_URL,
      timeoutMs: vars.UPSTREAM_TIMEOUT_MS,
      maxBodyBytes: vars.UPSTREAM_MAX_BODY_BYTES,
      credentials,
      maxRequestsPerSecond: vars.UPSTREAM_MAX_REQUESTS_PER_SECOND,
      circuit: Object.freeze({
        // One circuit per upstream by default; a name of its own lets deployments (or tests) keep theirs apart.
        name: vars.UPSTREAM_CIRCUIT_NAME ?? vars.UPSTREAM_BASE_URL,
        windowSeconds: vars.UPSTREAM_CIRCUIT_WINDOW_SECONDS,
        minCalls: vars.UPSTREAM_CIRCUIT_MIN_CALLS,
        failureRatio: vars.UPSTREAM_CIRCUIT_FAILURE_RATIO,
        cooldownSeconds: vars.UPSTREAM_CIRCUIT_COOLDOWN_SECONDS,
        probes: vars.UPSTREAM_CIRCUIT_PROBES,
        // A probe's call ends within the upstream deadline; one not reported by twice that never will be.
        probeTimeoutSeconds: Math.ceil((2 * vars.UPSTREAM_TIMEOUT_MS) / 1000) + 1,
      }),
    }),
    cache: Object.freeze({
      enabled: vars.CACHE_ENABLED === "true",
      ttlSeconds: vars.CACHE_TTL_SECONDS,
      swrSeconds: vars.CACHE_SWR_SECONDS,
      staleIfErrorSeconds: vars.CACHE_STALE_IF_ERROR_SECONDS,
      negativeTtlSeconds: vars.CACHE_NEGATIVE_TTL_SECONDS,
      refreshMinIntervalSeconds: vars.CACHE_REFRESH_MIN_INTERVAL_SECONDS,
      failureBackoffSeconds: vars.UPSTREAM_FAILURE_BACKOFF_SECONDS,
    }),
    rateLimit: Object.freeze({ requests: vars.RATE_LIMIT_REQUESTS, periodSeconds: vars.RATE_LIMIT_PERIOD_SECONDS }),
    webhooks: Object.freeze({ maxWatchesPerOrg: vars.WEBHOOK_MAX_WATCHES_PER_ORG, maxSubscriptionsPerOrg: vars.WEBHOOK_MAX_SUBSCRIPTIONS_PER_ORG }),
    embedSigningKey: vars.EMBED_SIGNING_KEY,
  });
}

/** ` (issuer "…")` for a problem inside one PARTNER_ISSUERS entry, so the log line names the issuer to fix. */
function issuerNamed(env: Record<string, unknown>, path: readonly PropertyKey[]): string {
  if (path[0] !== "PARTNER_ISSUERS" || typeof path[1] !== "number" || typeof env.PARTNER_ISSUERS !== "string") return "";
  try {
    const entry: unknown = (JSON.parse(env.PARTNER_ISSUERS) as unknown[])[path[1]];
    const name = entry !== null && typeof entry === "object" && Object.hasOwn(entry, "issuer") ? (entry as { issuer: unknown }).issuer : undefined;
    return typeof name === "string" ? ` (issuer ${JSON.stringify(name.slice(0, 200))})` : "";
  } catch {
    return "";
  }
}

/** The startup log line's view of an issuer: who, and for which organisations (an issuer trusted for all says so). */
function describeIssuer(issuer: IssuerConfig) {
  return { issuer: issuer.issuer, orgs: issuer.orgs === "*" ? "* (every organisation)" : issuer.orgs.length };
}

function misconfigured(problems: string[]): MisconfiguredError {
  return new MisconfiguredError("The edge is misconfigured; the operators have been told.", {
    extensions: {},
    cause: new Error(problems.join("; ")),
  });
}

const configs = new WeakMap<object, EdgeConfig | MisconfiguredError>();

/** The parsed config for this isolate's `env`; parsing (and a failure) happens once, not per request. */
export function configFor(env: object): EdgeConfig {
  let entry = configs.get(env);
  if (!entry) {
    try {
      entry = parseConfig(env as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof MisconfiguredError)) throw error;
      entry = error;
    }
    configs.set(env, entry);
  }
  if (entry instanceof MisconfiguredError) throw entry;
  return entry;
}
