// Keys Entra has stopped publishing. Each is kept, with the time its removal was first seen, for
// at most the removed-key grace, so a JWKS replica that lags does not fail good tokens while an
// emergency rotation still takes effect on every instance.

import type { ValidatedJwk } from "./types.js";

export interface RetiredKey {
  key: ValidatedJwk;
  /** When a fetch first found the key missing from Entra's JWKS (ms since epoch). */
  removedAt: number;
}

export interface PublishedKeys {
  keys: readonly ValidatedJwk[];
  retired: readonly RetiredKey[];
}

/**
 * The key set after a fetch: what Entra publishes now, plus every key it published before that is
 * still within `graceMs` of the moment its removal was first seen. A key that comes back is
 * published again; one past its grace is gone for good.
 */
export function retireRemovedKeys(
  previous: PublishedKeys | undefined,
  fetched: readonly ValidatedJwk[],
  now: number,
  graceMs: number,
): PublishedKeys {
  if (previous === undefined || graceMs <= 0) return { keys: fetched, retired: [] };
  const published = new Set(fetched.map((key) => key.kid));
  const retired: RetiredKey[] = [];
  const seen = new Set<string>();
  const keep = (entry: RetiredKey) => {
    if (published.has(entry.key.kid) || seen.has(entry.key.kid)) return;
    if (now - entry.removedAt >= graceMs) return;
    seen.add(entry.key.kid);
    retired.push(entry);
  };
  // Already retired keys keep their original removal time: the grace is never extended.
  for (const entry of previous.retired) keep(entry);
  for (const key of previous.keys) keep({ key, removedAt: now });
  return { keys: fetched, retired };
}

/** The retired keys still within their grace at `now`. */
export function withinGrace(retired: readonly RetiredKey[], now: number, graceMs: number): RetiredKey[] {
  return retired.filter((entry) => now - entry.removedAt < graceMs);
}
