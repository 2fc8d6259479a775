import type { AccessGrant } from "../auth/authorize.ts";
import type { InvalidItem } from "../upstream/parse-list.ts";
import type { UpstreamHeatPump } from "../upstream/schema.ts";

/** What the cache stores per organisation and user: the validated upstream list, or "Podero said 404". */
export type CacheEntry =
  | {
      v: 1;
      kind: "list";
      fetchedAt: number;
      items: UpstreamHeatPump[];
      invalid: InvalidItem[];
      /** The last background revalidation of this copy failed then, with this status: answers from it say so. */
      failedAt?: number;
      failedStatus?: number;
    }
  | { v: 1; kind: "not_found"; fetchedAt: number };

/**
 * Made only from a grant, so a key can only name data that auth already allowed. Organisation and user
 * are both in it: the same user id under another organisation is another entry.
 */
export function cacheKey(grant: AccessGrant): string {
  return `heat-pumps:v1:${grant.orgId}:${grant.userId}`;
}

/** Which of two copies of one key to trust: the later fetch, and of the same fetch the one that knows of a failure. */
export function newerEntry(a: CacheEntry | undefined, b: CacheEntry | undefined): CacheEntry | undefined {
  if (!a || !b) return a ?? b;
  if (a.fetchedAt !== b.fetchedAt) return a.fetchedAt > b.fetchedAt ? a : b;
  const failedA = a.kind === "list" ? (a.failedAt ?? 0) : 0;
  const failedB = b.kind === "list" ? (b.failedAt ?? 0) : 0;
  return failedB > failedA ? b : a;
}

/** Reads a stored value; anything not of this version's shape is treated as absent (and overwritten). */
export function decodeEntry(value: unknown): CacheEntry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const entry = value as Partial<CacheEntry>;
  if (entry.v !== 1 || typeof entry.fetchedAt !== "number" || !Number.isFinite(entry.fetchedAt)) return undefined;
  if (entry.kind === "not_found") return entry as CacheEntry;
  if (entry.kind === "list" && Array.isArray(entry.items) && Array.isArray(entry.invalid)) return entry as CacheEntry;
  return undefined;
}
