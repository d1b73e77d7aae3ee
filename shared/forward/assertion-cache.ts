// A bounded, least-recently-used cache of signed assertions, so a busy caller costs one ECDSA
// signature a minute rather than one per request.

interface Entry {
  token: string;
  /** Milliseconds since the epoch after which the entry is not handed out any more. */
  reuseUntilMs: number;
}

export class AssertionCache {
  readonly #maxEntries: number;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  readonly #entries = new Map<string, Entry>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, nowMs: number): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (nowMs >= entry.reuseUntilMs) return undefined;
    this.#entries.set(key, entry);
    return entry.token;
  }

  set(key: string, token: string, reuseUntilMs: number): void {
    if (this.#maxEntries <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { token, reuseUntilMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}
