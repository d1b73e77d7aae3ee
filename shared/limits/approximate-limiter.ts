// Approximate limits, for rates too high for a storage call per lease: each instance decides
// locally against the last total it synced, and adds its own count to the window's counter at
// most once per sync interval. Over-admission is bounded by what the other instances admit
// between two syncs (README states the bound); storage is never on a request's path.

import type { Clock } from "../clock.js";
import type { StorageBreaker } from "./storage-breaker.js";
import type { WindowCounterTable } from "./window-counter-table.js";
import { type Window, windowAt } from "./windows.js";

interface KeyState {
  key: string;
  window: Window;
  /** Admitted here and not yet added to the window's counter. */
  unsynced: number;
  /** The window's counter (every instance's synced admissions) as of our last sync. */
  syncedTotal: number;
  lastSyncAt: number;
  syncing: Promise<void> | undefined;
}

export interface ApproximateVerdict {
  allowed: boolean;
  window: Window;
  remaining: number;
}

/** Keys held at most (about 150 bytes each): past it the oldest is pushed to storage and dropped. */
export const MAX_KEYS = 100_000;

/** How stale an instance's view may get: a tenth of the window, between 100 ms and 1 s. */
export function syncIntervalMs(windowSeconds: number): number {
  return Math.min(1000, Math.max(100, (windowSeconds * 1000) / 10));
}

export class ApproximateLimiter {
  readonly #counters: WindowCounterTable;
  readonly #clock: Clock;
  readonly #breaker: StorageBreaker;
  readonly #keys = new Map<string, KeyState>();
  readonly #maxKeys: number;
  /** Pushes of dropped keys' pending counts still under way; a flush waits for them. */
  readonly #draining = new Set<Promise<void>>();

  /** `bounds` are for tests that push past them; production takes the default. */
  constructor(
    counters: WindowCounterTable,
    clock: Clock,
    breaker: StorageBreaker,
    bounds: { maxKeys?: number } = {},
  ) {
    this.#counters = counters;
    this.#clock = clock;
    this.#breaker = breaker;
    this.#maxKeys = bounds.maxKeys ?? MAX_KEYS;
  }

  /** Keys held in memory now. */
  get keyCount(): number {
    return this.#keys.size;
  }

  take(key: string, limit: number, windowSeconds: number): ApproximateVerdict {
    const now = this.#clock.now();
    const window = windowAt(now, windowSeconds);
    let state = this.#keys.get(key);
    let fresh = false;
    if (state === undefined || state.window.start !== window.start) {
      if (state === undefined && this.#keys.size >= this.#maxKeys) this.#dropOldest();
      // A key new to this instance (or dropped from it) syncs on its first request rather than a
      // sync interval later: storage may already count it (other instances, or this one before
      // it was dropped), and until the sync answers this instance decides on its own count alone.
      fresh = state === undefined;
      state = { key, window, unsynced: 0, syncedTotal: 0, lastSyncAt: now, syncing: undefined };
      this.#keys.set(key, state);
    }
    const estimate = state.syncedTotal + state.unsynced;
    const allowed = estimate < limit;
    if (allowed) state.unsynced++;
    if (fresh || now - state.lastSyncAt >= syncIntervalMs(windowSeconds)) this.#sync(state);
    return { allowed, window, remaining: Math.max(0, limit - estimate - (allowed ? 1 : 0)) };
  }

  /**
   * Bounded memory: past `maxKeys` the oldest key goes (every caller of a `*` tenant list is a key
   * of its own). Its pending admissions are pushed to the window's counter first, so storage still
   * holds them and the key, when it comes back, is limited by that count from its first sync on.
   * With storage failing (the breaker open) those pending admissions are lost, as a killed
   * instance's are; the limit then fails open anyway.
   */
  #dropOldest(): void {
    const oldest = this.#keys.values().next();
    if (oldest.done) return;
    const state = oldest.value;
    this.#keys.delete(state.key);
    const push = this.#pushPending(state).finally(() => this.#draining.delete(push));
    this.#draining.add(push);
  }

  /** Everything admitted so far into the counter: after the sync under way, if one is. */
  #pushPending(state: KeyState): Promise<void> {
    return (state.syncing ?? Promise.resolve()).then(() =>
      state.unsynced > 0 ? this.#sync(state) : undefined,
    );
  }

  /**
   * Syncs every key of a current window; the limiter's timer calls it with `onlyDue` so idle keys
   * sync too, once per sync interval; without it (flush) every pending count is pushed now.
   */
  syncAll(onlyDue = false): Promise<void> {
    const now = this.#clock.now();
    const work: Promise<void>[] = [];
    for (const [key, state] of this.#keys) {
      if (state.window.end <= now) {
        if (state.unsynced === 0) this.#keys.delete(key);
        else work.push(onlyDue ? this.#sync(state) : this.#pushPending(state));
      } else if (!onlyDue && state.unsynced > 0) {
        // A flush: what was admitted while a sync was under way goes too, after it.
        work.push(this.#pushPending(state));
      } else if (now - state.lastSyncAt >= syncIntervalMs((state.window.end - state.window.start) / 1000)) {
        // Once per sync interval, even with counts pending: the timer runs every 100 ms, and
        // syncing on each tick made every instance write ten times a second (bench/SCALE.md).
        work.push(this.#sync(state));
      }
    }
    if (!onlyDue) work.push(...this.#draining);
    return Promise.all(work).then(() => undefined);
  }

  #sync(state: KeyState): Promise<void> {
    if (state.syncing || this.#breaker.isOpen()) return state.syncing ?? Promise.resolve();
    const delta = state.unsynced;
    state.lastSyncAt = this.#clock.now();
    state.syncing = this.#counters
      .add(state.key, state.window.start, () => delta, { fresh: delta === 0, retryWhenBusy: false })
      .then(
        (result) => {
          this.#breaker.succeeded();
          state.unsynced -= result.added;
          state.syncedTotal = result.count;
        },
        () => this.#breaker.failed(),
      )
      .finally(() => {
        state.syncing = undefined;
      });
    return state.syncing;
  }
}
