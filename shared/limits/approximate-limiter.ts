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

/** How stale an instance's view may get: a tenth of the window, between 100 ms and 1 s. */
export function syncIntervalMs(windowSeconds: number): number {
  return Math.min(1000, Math.max(100, (windowSeconds * 1000) / 10));
}

export class ApproximateLimiter {
  readonly #counters: WindowCounterTable;
  readonly #clock: Clock;
  readonly #breaker: StorageBreaker;
  readonly #keys = new Map<string, KeyState>();

  constructor(counters: WindowCounterTable, clock: Clock, breaker: StorageBreaker) {
    this.#counters = counters;
    this.#clock = clock;
    this.#breaker = breaker;
  }

  take(key: string, limit: number, windowSeconds: number): ApproximateVerdict {
    const now = this.#clock.now();
    const window = windowAt(now, windowSeconds);
    let state = this.#keys.get(key);
    if (state === undefined || state.window.start !== window.start) {
      state = { key, window, unsynced: 0, syncedTotal: 0, lastSyncAt: now, syncing: undefined };
      this.#keys.set(key, state);
    }
    const estimate = state.syncedTotal + state.unsynced;
    const allowed = estimate < limit;
    if (allowed) state.unsynced++;
    if (now - state.lastSyncAt >= syncIntervalMs(windowSeconds)) this.#sync(state);
    return { allowed, window, remaining: Math.max(0, limit - estimate - (allowed ? 1 : 0)) };
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
        else work.push(this.#sync(state));
      } else if (
        now - state.lastSyncAt >= syncIntervalMs((state.window.end - state.window.start) / 1000) ||
        (!onlyDue && state.unsynced > 0)
      ) {
        // Once per sync interval, even with counts pending: the timer runs every 100 ms, and
        // syncing on each tick made every instance write ten times a second (bench/SCALE.md).
        work.push(this.#sync(state));
      }
    }
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
