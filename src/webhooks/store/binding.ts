import { MisconfiguredError } from "../../problems/errors.ts";

/** The D1 binding (`DB`) the webhook, watch, feed and fleet routes need; `misconfigured` (500) without it. */
export function requireDb(db: D1Database | undefined): D1Database {
  if (!db) throw new MisconfiguredError("This edge has no DB binding: webhooks, watches and the fleet view are not set up.");
  return db;
}
