// A slow lookup (Microsoft Graph) made at most once per key per TTL: answers cached with a size
// bound, one lookup in flight per key shared by every request waiting on it, and a failure
// remembered briefly so that an outage does not become one call per request either.

import type { Clock } from "../clock.js";

export interface CachedLookupOptions<T> {
  lookup: (key: string) => Promise<T>;
  clock: Clock;
  ttlSeconds: number;
  maxEntries: number;
  /** How long a failed lookup is answered from memory before it is tried again. */
  failureSeconds: number;
  /** Told of every lookup and how it went (telemetry, logs); never throws into the cache. */
  onLookup?: (outcome: { ok: true } | { ok: false; error: string }) => void;
}

type Entry<T> = { value: T; until: number } | { error: Error; until: number };

export class CachedLookup<T> {
  readonly #options: CachedLookupOptions<T>;
  readonly #entries = new Map<string, Entry<T>>();
  readonly #inFlight = new Map<string, Promise<T>>();

  constructor(options: CachedLookupOptions<T>) {
    this.#options = options;
  }

  /** The value for `key`, from memory when fresh; throws the lookup's failure. */
  async get(key: string): Promise<T> {
    const cached = this.#entries.get(key);
    if (cached !== undefined && this.#options.clock.now() < cached.until) {
      if ("error" in cached) throw cached.error;
      return cached.value;
    }
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#ask(key).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #ask(key: string): Promise<T> {
    const { lookup, clock, ttlSeconds, failureSeconds } = this.#options;
    try {
      const value = await lookup(key);
      this.#store(key, { value, until: clock.now() + ttlSeconds * 1000 });
      this.#report({ ok: true });
      return value;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#store(key, { error: failure, until: clock.now() + failureSeconds * 1000 });
      this.#report({ ok: false, error: failure.message });
      throw failure;
    }
  }

  #store(key: string, entry: Entry<T>): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#options.maxEntries) {
      // Oldest first (insertion order; a refreshed entry moves to the end).
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, entry);
  }

  #report(outcome: { ok: true } | { ok: false; error: string }): void {
    try {
      this.#options.onLookup?.(outcome);
    } catch {
      // Reporting never changes an answer.
    }
  }
}
