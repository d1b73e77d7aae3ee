// Strict limits: the sum admitted across all instances in a window never exceeds the limit.
// An instance leases a block of permits from the window's counter with one ETag-guarded update
// and spends them locally; blocks shrink with the remaining budget, so the last permits go out
// one by one. A permit leased in a window is only ever spent in that window.

import type { Clock } from "../clock.js";
import { CounterStorageError, type WindowCounterTable } from "./window-counter-table.js";
import type { Window } from "./windows.js";
import { windowAt } from "./windows.js";

/** Fraction of the remaining budget one lease takes: small enough to share, big enough to be cheap. */
const LEASE_FRACTION = 1 / 8;

export function leaseSize(remaining: number): number {
  if (remaining <= 0) return 0;
  return Math.max(1, Math.floor(remaining * LEASE_FRACTION));
}

interface KeyState {
  window: Window;
  /** Permits this instance has leased and not yet spent. */
  local: number;
  /** The window's counter as of our last lease: permits handed to all instances together. */
  leasedGlobally: number;
  /** The counter reached the limit: nothing more to lease this window. */
  exhausted: boolean;
  leasing: Promise<void> | undefined;
}

export interface StrictVerdict {
  allowed: boolean;
  window: Window;
  /** Permits left in the window as far as this instance can tell. */
  remaining: number;
}

/** Below this many keys the map is never scanned. */
const SWEEP_FROM = 10_000;
/** Keys held at most (about 100 bytes each): past it the oldest are dropped. */
export const MAX_LIVE_KEYS = 100_000;

export class StrictLimiter {
  readonly #counters: WindowCounterTable;
  readonly #clock: Clock;
  readonly #keys = new Map<string, KeyState>();
  #sweepAt = SWEEP_FROM;

  readonly #maxLiveKeys: number;
  readonly #sweepFrom: number;

  /** `bounds` are for tests that push past them; production takes the defaults. */
  constructor(
    counters: WindowCounterTable,
    clock: Clock,
    bounds: { maxLiveKeys?: number; sweepFrom?: number } = {},
  ) {
    this.#counters = counters;
    this.#clock = clock;
    this.#maxLiveKeys = bounds.maxLiveKeys ?? MAX_LIVE_KEYS;
    this.#sweepFrom = bounds.sweepFrom ?? SWEEP_FROM;
    this.#sweepAt = this.#sweepFrom;
  }

  /** Keys held in memory now. */
  get keyCount(): number {
    return this.#keys.size;
  }

  /**
   * Throws CounterStorageError when a lease was needed and storage failed, or when
   * `storageAvailable` says not to try it (permits already leased are still spent).
   */
  async take(
    key: string,
    limit: number,
    windowSeconds: number,
    storageAvailable: () => boolean = () => true,
  ): Promise<StrictVerdict> {
    for (;;) {
      const state = this.#state(key, windowSeconds);
      if (state.local > 0) {
        state.local--;
        return { allowed: true, window: state.window, remaining: this.#remaining(state, limit) };
      }
      if (state.exhausted) return { allowed: false, window: state.window, remaining: 0 };
      if (state.leasing === undefined && !storageAvailable()) {
        throw new CounterStorageError("storage is presumed down after a recent failure");
      }
      // One lease at a time per key; everyone waiting shares its outcome, then looks again.
      state.leasing ??= this.#lease(key, state, limit).finally(() => {
        state.leasing = undefined;
      });
      await state.leasing;
    }
  }

  #remaining(state: KeyState, limit: number): number {
    return Math.max(0, limit - state.leasedGlobally) + state.local;
  }

  #state(key: string, windowSeconds: number): KeyState {
    const window = windowAt(this.#clock.now(), windowSeconds);
    let state = this.#keys.get(key);
    if (state === undefined || state.window.start !== window.start) {
      // Leftover permits die with their window.
      state = { window, local: 0, leasedGlobally: 0, exhausted: false, leasing: undefined };
      this.#keys.set(key, state);
      this.#forgetFinishedWindows(window.start);
    }
    return state;
  }

  async #lease(key: string, state: KeyState, limit: number): Promise<void> {
    const result = await this.#counters.add(key, state.window.start, (current) =>
      Math.min(leaseSize(limit - current), Math.max(0, limit - current)),
    );
    if (this.#keys.get(key) !== state) return; // the window rolled over meanwhile
    state.local += result.added;
    state.leasedGlobally = result.count;
    // Permits already held are still spent first (take() looks at `local` before `exhausted`).
    state.exhausted = result.count >= limit;
    if (result.created) {
      const length = state.window.end - state.window.start;
      void this.#counters.removeWindow(key, state.window.start - 2 * length);
    }
  }

  /**
   * Bounded memory and bounded work: past `#sweepAt` keys, those whose window has passed are
   * dropped, and if live keys alone are over MAX_LIVE_KEYS (every caller of a `*` tenant list in
   * one long window) the oldest go too. A dropped key loses its unspent permits, as a killed
   * instance does: the limit still holds, because storage keeps the count. The next sweep waits
   * until the map has grown again, so a full map is not scanned on every new key.
   */
  #forgetFinishedWindows(now: number): void {
    if (this.#keys.size < this.#sweepAt) return;
    for (const [key, state] of this.#keys) if (state.window.end <= now) this.#keys.delete(key);
    for (const key of this.#keys.keys()) {
      if (this.#keys.size <= this.#maxLiveKeys * 0.9) break;
      this.#keys.delete(key);
    }
    this.#sweepAt = Math.min(this.#maxLiveKeys, Math.max(this.#sweepFrom, this.#keys.size * 2));
  }
}
