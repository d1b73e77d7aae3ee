// A cache bounded in entries (and optionally bytes), for work worth remembering per caller (a verified token, a signed
// assertion). A Map iterates in insertion order, so the oldest entry is first and eviction is O(1).

export interface BoundedCacheOptions<V = unknown> {
  /** 0 turns the cache off: nothing is stored. */
  maxEntries: number;
  /**
   * Move an entry to the newest end on each hit (least recently used goes first), or leave it
   * where it was inserted (oldest goes first, and a hit costs one lookup and nothing more).
   */
  refreshOnHit: boolean;
  /**
   * A bound in bytes too, for values whose size the caller chooses (a token of up to 16 KiB):
   * with it, `sizeOf` says roughly what an entry holds. A value larger than the bound is not kept.
   */
  maxBytes?: number;
  sizeOf?: (key: string, value: V) => number;
}

export class BoundedCache<V> {
  readonly #options: BoundedCacheOptions<V>;
  readonly #entries = new Map<string, V>();
  readonly #sizes = new Map<string, number>();
  #bytes = 0;

  constructor(options: BoundedCacheOptions<V>) {
    this.#options = options;
  }

  /** Roughly what the entries hold, by `sizeOf`; 0 without it. */
  get bytes(): number {
    return this.#bytes;
  }

  get enabled(): boolean {
    return this.#options.maxEntries > 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, unless absent or `expired(value)` says it may not be handed out any more. */
  get(key: string, expired: (value: V) => boolean): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    if (expired(value)) {
      this.#delete(key);
      return undefined;
    }
    if (this.#options.refreshOnHit) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (!this.enabled) return;
    const { maxBytes, sizeOf } = this.#options;
    const size = sizeOf ? sizeOf(key, value) : 0;
    if (maxBytes !== undefined && size > maxBytes) return;
    this.#delete(key);
    this.#entries.set(key, value);
    if (sizeOf) {
      this.#sizes.set(key, size);
      this.#bytes += size;
    }
    while (
      this.#entries.size > this.#options.maxEntries ||
      (maxBytes !== undefined && this.#bytes > maxBytes)
    ) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#delete(oldest.value);
    }
  }

  #delete(key: string): void {
    if (!this.#entries.delete(key)) return;
    this.#bytes -= this.#sizes.get(key) ?? 0;
    this.#sizes.delete(key);
  }
}
