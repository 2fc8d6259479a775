import type { EdgeConfig } from "../config/config.ts";
import { Lru } from "../util/lru.ts";
import type { Principal } from "./principal.ts";

/**
 * Tokens this isolate has already verified, by their exact compact form (header, payload and signature:
 * the same bytes verify the same way), so a partner polling with one token pays for the signature check
 * once, not per request. An entry lives until the token expires (with the same clock tolerance) and at
 * most `MAX_REUSE_MS`, so a key the issuer withdraws stops being honoured within a minute. Only successes
 * are remembered; per config, as another config may trust other issuers.
 */
const MAX_REUSE_MS = 60_000;
const MAX_TOKENS = 1000;

interface Verified {
  principal: Principal;
  validUntil: number;
}

const perConfig = new WeakMap<EdgeConfig, Lru<Verified>>();

export function rememberedPrincipal(config: EdgeConfig, token: string, now = Date.now()): Principal | undefined {
  const verified = perConfig.get(config)?.get(token);
  if (!verified) return undefined;
  if (verified.validUntil <= now) {
    perConfig.get(config)?.delete(token);
    return undefined;
  }
  return verified.principal;
}

export function rememberPrincipal(config: EdgeConfig, token: string, principal: Principal, expiresAtMs: number, now = Date.now()): void {
  let tokens = perConfig.get(config);
  if (!tokens) perConfig.set(config, (tokens = new Lru<Verified>(MAX_TOKENS)));
  tokens.set(token, { principal, validUntil: Math.min(expiresAtMs, now + MAX_REUSE_MS) });
}
