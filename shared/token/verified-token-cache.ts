// Tokens already verified, so a caller's next request costs a map lookup instead of an RSA
// verification. Bounded in entries and by each token's own expiry; only tokens that passed every
// check are stored, so an exact match is the same bytes that passed.

import type { KeySource } from "../keys/types.js";
import type { Principal } from "./principal.js";

export interface CachedToken {
  principal: Principal;
  /** Where its key came from: a hit still checks the key is published (emergency rotation). */
  source: KeySource;
  kid: string;
}

export class VerifiedTokenCache {
  readonly #max: number;
  readonly #entries = new Map<string, CachedToken>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get enabled(): boolean {
    return this.#max > 0;
  }

  /** The entry, unless absent or expired by now (with the skew the validator allows). */
  get(token: string, nowSeconds: number, skewSeconds: number): CachedToken | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (nowSeconds - skewSeconds >= entry.principal.expiresAt) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, entry: CachedToken): void {
    if (this.#max <= 0) return;
    if (this.#entries.size >= this.#max) {
      // Oldest first: Map iterates in insertion order, so this is FIFO eviction at O(1).
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, entry);
  }

  get size(): number {
    return this.#entries.size;
  }
}
