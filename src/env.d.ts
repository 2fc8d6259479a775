// Secrets are set with `wrangler secret put` (or .dev.vars locally), so `wrangler types` cannot see them.
// Upstream auth is one of: UPSTREAM_API_TOKEN, or UPSTREAM_CLIENT_ID + UPSTREAM_CLIENT_SECRET.
interface Env {
  UPSTREAM_API_TOKEN?: string;
  UPSTREAM_CLIENT_ID?: string;
  UPSTREAM_CLIENT_SECRET?: string;
  /** Private Ed25519 or P-256 JWK (JSON) that signs embed tokens; embedding is off without it. */
  EMBED_SIGNING_KEY?: string;
  /** 32 random bytes, base64: encrypts webhook signing secrets at rest (AES-GCM). */
  WEBHOOK_SECRETS_KEY?: string;
  /** How often the webhook worker checks a watched user (the fleet view calls a user stale past two of these). */
  WEBHOOK_POLL_SECONDS?: string;
}

