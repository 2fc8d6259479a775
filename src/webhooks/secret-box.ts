/**
 * Webhook signing secrets are stored encrypted (AES-256-GCM, a fresh 96-bit IV each time) under the Worker secret
 * WEBHOOK_SECRETS_KEY, so a leaked database leaks no secret.
 *
 * The setting is a key ring: one key (32 bytes, base64), or several separated by commas, newest first
 * (`NEW,OLD`). The first seals; every key opens. A sealed value names its key (`k1.<key id>.<base64 iv||ciphertext>`,
 * the key id being the first 8 bytes of the key's SHA-256 in hex), so it is opened by that key at once; values
 * sealed before key ids existed (bare base64) are tried with each key. Rotation without downtime: put `NEW,OLD` on
 * both workers, let every secret be sealed anew (on its next write, and by the webhook worker's cron, a batch a
 * minute: `resealStale`), then put `NEW` alone.
 *
 * @module
 */
import { MisconfiguredError } from "../problems/errors.ts";
import { fromBase64, toBase64 } from "../util/base64.ts";

interface RingKey {
  id: string;
  key: CryptoKey;
}

const PREFIX = "k1.";
const rings = new Map<string, Promise<RingKey[]>>();

function misconfigured(why: string): MisconfiguredError {
  return new MisconfiguredError("Webhooks are not set up on this edge.", { cause: new Error(`WEBHOOK_SECRETS_KEY: ${why}`) });
}

async function loadRing(setting: string): Promise<RingKey[]> {
  const parts = setting.split(",").map((part) => part.trim());
  return Promise.all(
    parts.map(async (part) => {
      let raw: Uint8Array;
      try {
        raw = fromBase64(part);
      } catch {
        throw misconfigured("each key must be base64");
      }
      if (raw.length !== 32) throw misconfigured("each key must be 32 bytes, base64 (comma-separated, newest first)");
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
      const id = Array.from(digest.slice(0, 8), (byte) => byte.toString(16).padStart(2, "0")).join("");
      return { id, key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]) };
    }),
  );
}

/** The ring in WEBHOOK_SECRETS_KEY, newest first (parsed once per isolate and setting). */
function keyRing(setting: string | undefined): Promise<RingKey[]> {
  if (!setting) return Promise.reject(misconfigured("not set"));
  let ring = rings.get(setting);
  if (!ring) {
    ring = loadRing(setting);
    ring.catch(() => rings.delete(setting));
    rings.set(setting, ring);
  }
  return ring;
}

/** The id of the key that seals now (the ring's first). */
export async function sealingKeyId(setting: string | undefined): Promise<string> {
  return (await keyRing(setting))[0]!.id;
}

export async function sealSecret(setting: string | undefined, plain: string): Promise<string> {
  const [current] = await keyRing(setting);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, current!.key, new TextEncoder().encode(plain)));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return `${PREFIX}${current!.id}.${toBase64(out)}`;
}

async function openWith(key: CryptoKey, bytes: Uint8Array): Promise<string> {
  return new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, key, bytes.slice(12)));
}

/** The plain secret. Throws when no key in the ring opens it (a key was dropped too early). */
export async function openSecret(setting: string | undefined, stored: string): Promise<string> {
  const ring = await keyRing(setting);
  if (stored.startsWith(PREFIX)) {
    const [, id, body] = stored.split(".");
    const key = ring.find((candidate) => candidate.id === id);
    if (!key) throw misconfigured(`no key with id ${id} in the ring (it sealed a stored secret)`);
    return openWith(key.key, fromBase64(body ?? ""));
  }
  const bytes = fromBase64(stored);
  for (const { key } of ring) {
    try {
      return await openWith(key, bytes);
    } catch {
      // not this key: the next
    }
  }
  throw misconfigured("no key in the ring opens a stored secret");
}

/** Whether `stored` is sealed under the ring's current key (else it is sealed anew on its next write). */
export async function sealedWithCurrentKey(setting: string | undefined, stored: string): Promise<boolean> {
  return stored.startsWith(`${PREFIX}${await sealingKeyId(setting)}.`);
}

/** `stored` as it should be stored now: unchanged when sealed under the current key, else opened and sealed anew. */
export async function resealed(setting: string | undefined, stored: string): Promise<string> {
  return (await sealedWithCurrentKey(setting, stored)) ? stored : sealSecret(setting, await openSecret(setting, stored));
}
