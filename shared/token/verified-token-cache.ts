// Tokens already verified, so a caller's next request costs a map lookup instead of an RSA
// verification. Bounded in entries, in bytes and by each token's own expiry; only tokens that
// passed every check are stored, so an exact match is the same bytes that passed.

import type { KeySource } from "../keys/types.js";
import type { Principal } from "./principal.js";

export interface CachedToken {
  principal: Principal;
  /** Where its key came from: a hit still checks the key is published (emergency rotation). */
  source: KeySource;
  kid: string;
}

/**
 * Entries alone do not bound memory: under `TOLLGATE_TENANTS=*` anyone can mint valid tokens, and
 * 10 000 of 16 KiB (with as many group ids) would hold well over 160 MiB. 32 MiB keeps every
 * ordinary token (2 to 4 KiB) of a full cache.
 */
export const DEFAULT_MAX_CACHE_BYTES = 32 * 1024 * 1024;

/** What an entry holds, roughly, in bytes: the token (its key) and the principal's lists. */
function entryBytes(token: string, entry: CachedToken): number {
  const { principal } = entry;
  let bytes = token.length + 512;
  for (const list of [principal.roles, principal.scopes, principal.groups]) {
    for (const item of list) bytes += item.length + 16;
  }
  return bytes;
}

export class VerifiedTokenCache {
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #entries = new Map<string, CachedToken & { bytes: number }>();
  #bytes = 0;

  constructor(maxEntries: number, maxBytes = DEFAULT_MAX_CACHE_BYTES) {
    this.#max = maxEntries;
    this.#maxBytes = maxBytes;
  }

  get enabled(): boolean {
    return this.#max > 0;
  }

  /** The entry, unless absent or expired by now (with the skew the validator allows). */
  get(token: string, nowSeconds: number, skewSeconds: number): CachedToken | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (nowSeconds - skewSeconds >= entry.principal.expiresAt) {
      this.#delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, entry: CachedToken): void {
    if (this.#max <= 0) return;
    const bytes = entryBytes(token, entry);
    if (bytes > this.#maxBytes) return;
    this.#delete(token);
    // Oldest first: Map iterates in insertion order, so this is FIFO eviction at O(1) each.
    while (this.#entries.size >= this.#max || this.#bytes + bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#delete(oldest.value);
    }
    this.#entries.set(token, { ...entry, bytes });
    this.#bytes += bytes;
  }

  #delete(token: string): void {
    const entry = this.#entries.get(token);
    if (entry === undefined) return;
    this.#entries.delete(token);
    this.#bytes -= entry.bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Roughly what the entries hold, in bytes; never over the byte bound. */
  get bytes(): number {
    return this.#bytes;
  }
}
