import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The local D1 gets the project's migrations (migrations/), as `wrangler d1 migrations apply` does.
await applyD1Migrations(env.DB, (env as unknown as { TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] }).TEST_MIGRATIONS);
