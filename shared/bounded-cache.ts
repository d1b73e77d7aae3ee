// A cache bounded in entries, for work worth remembering per caller (a verified token, a signed
// assertion). A Map iterates in insertion order, so the oldest entry is first and eviction is O(1).

export interface BoundedCacheOptions {
  /** 0 turns the cache off: nothing is stored. */
  maxEntries: number;
  /**
   * Move an entry to the newest end on each hit (least recently used goes first), or leave it
   * where it was inserted (oldest goes first, and a hit costs one lookup and nothing more).
   */
  refreshOnHit: boolean;
}

export class BoundedCache<V> {
  readonly #options: BoundedCacheOptions;
  readonly #entries = new Map<string, V>();

  constructor(options: BoundedCacheOptions) {
    this.#options = options;
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
      this.#entries.delete(key);
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
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}
