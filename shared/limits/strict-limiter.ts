// Strict limits: the sum admitted across all instances in a window never exceeds the limit.
// An instance leases a block of permits from the window's counter with one ETag-guarded update
// and spends them locally; blocks shrink with the remaining budget, so the last permits go out
// one by one, and are sized by this instance's own recent demand, so that among many instances
// none holds permits it will not spend (bench/SCALE.md shows why). A hot key may be split into
// sub-counters in separate partitions, each holding a fixed share of the limit, so that no one
// partition carries every instance's leases. A permit leased in a window is only ever spent in
// that window.

import type { Clock } from "../clock.js";
import { CounterStorageError, type WindowCounterTable } from "./window-counter-table.js";
import type { Window } from "./windows.js";
import { windowAt } from "./windows.js";

/** Fraction of the remaining budget one lease takes: small enough to share, big enough to be cheap. */
const LEASE_FRACTION = 1 / 8;

/**
 * The next lease starts in the background once the permits in hand fall to this share of the
 * last lease, so that a steady caller never waits for storage in the middle of a window: without
 * it every request arriving while a lease is in flight waits one storage round trip (with
 * per-second windows, several times a second). Only for leases of at least PREFETCH_FROM
 * permits: near the end of the budget leases shrink to one permit and are taken as needed, so no
 * instance holds permits ahead of demand when they are scarce.
 */
const PREFETCH_AT = 1 / 4;
const PREFETCH_FROM = 8;

/**
 * Permits one lease asks for: an eighth of what is left, but no more than about an eighth of the
 * requests this instance saw for the key in a window (`recentDemand`), plus one. Without the cap,
 * at 50 instances the first few to lease took most of the budget and left it unspent while the
 * rest refused requests under the limit (bench/SCALE.md).
 */
export function leaseSize(remaining: number, recentDemand = Number.POSITIVE_INFINITY): number {
  if (remaining <= 0) return 0;
  const share = Math.ceil(recentDemand * LEASE_FRACTION) + 1;
  return Math.max(1, Math.min(Math.floor(remaining * LEASE_FRACTION), share));
}

/** The share of the limit sub-counter `index` of `shards` holds; the shares add up to the limit. */
export function shardBudget(limit: number, shards: number, index: number): number {
  return Math.floor(limit / shards) + (index < limit % shards ? 1 : 0);
}

/** One sub-counter's key; a limit kept in one counter keeps the key as it always was. */
export function shardKey(key: string, shards: number, index: number): string {
  return shards === 1 ? key : `${key}~${index}`;
}

interface ShardState {
  /** The sub-counter as of our last lease: permits it handed to all instances together. */
  leased: number;
  /** It reached its share of the limit: nothing more to lease from it this window. */
  exhausted: boolean;
}

interface KeyState {
  window: Window;
  /** Permits this instance has leased and not yet spent. */
  local: number;
  shards: ShardState[];
  /** The sub-counter this instance leases from first (chosen at random, so instances spread). */
  home: number;
  /** Every sub-counter reached its share: nothing more to lease this window. */
  exhausted: boolean;
  /** Requests this instance saw for the key in this window, admitted or not. */
  demand: number;
  /** Permits the last lease added (0 before the first). */
  lastLease: number;
  /** The same for the window before; undefined when this instance did not see that window. */
  previousDemand: number | undefined;
  leasing: Promise<void> | undefined;
}

export interface StrictVerdict {
  allowed: boolean;
  window: Window;
  /** Permits left in the window as far as this instance can tell. */
  remaining: number;
}

/** Sub-counters a key is split into: the policy's `shards`, at least one and at most the limit. */
function shardCount(shards: number, limit: number): number {
  return Math.max(1, Math.min(Math.floor(shards), limit));
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
   * `storageAvailable` says not to try it (permits already leased are still spent). `shards`
   * must be the same on every instance for a key (it comes from the policy).
   */
  async take(
    key: string,
    limit: number,
    windowSeconds: number,
    storageAvailable: () => boolean = () => true,
    shards = 1,
  ): Promise<StrictVerdict> {
    const count = shardCount(shards, limit);
    this.#state(key, windowSeconds, count).demand++;
    for (;;) {
      const state = this.#state(key, windowSeconds, count);
      const decided = this.#decideInHand(key, state, limit, storageAvailable);
      if (decided !== undefined) return decided;
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

  /**
   * take() without a promise, for when no lease is needed: a permit in hand, or the window's
   * budget known to be spent. Undefined when only storage can answer (then call take(), which
   * counts the request itself); it never waits and never throws.
   */
  takeNow(
    key: string,
    limit: number,
    windowSeconds: number,
    storageAvailable: () => boolean = () => true,
    shards = 1,
  ): StrictVerdict | undefined {
    const state = this.#state(key, windowSeconds, shardCount(shards, limit));
    if (state.local <= 0 && !state.exhausted) return undefined;
    state.demand++;
    return this.#decideInHand(key, state, limit, storageAvailable);
  }

  /** Spends a permit in hand, or refuses when the window's budget is spent; undefined otherwise. */
  #decideInHand(
    key: string,
    state: KeyState,
    limit: number,
    storageAvailable: () => boolean,
  ): StrictVerdict | undefined {
    if (state.local > 0) {
      state.local--;
      this.#prefetch(key, state, limit, storageAvailable);
      return { allowed: true, window: state.window, remaining: this.#remaining(state, limit) };
    }
    if (state.exhausted) return { allowed: false, window: state.window, remaining: 0 };
    return undefined;
  }

  /**
   * Starts the next lease while permits are still in hand (see PREFETCH_AT). The request that
   * started it does not wait for it. One that runs out of permits meanwhile waits for it like any
   * lease and meets its failure itself, so a storage outage still costs a request one storage
   * timeout at most, not the prefetch's and then its own.
   */
  #prefetch(key: string, state: KeyState, limit: number, storageAvailable: () => boolean): void {
    if (state.leasing !== undefined || state.exhausted || state.lastLease < PREFETCH_FROM) return;
    if (state.local > state.lastLease * PREFETCH_AT || !storageAvailable()) return;
    const lease = this.#lease(key, state, limit).finally(() => {
      state.leasing = undefined;
    });
    // Nobody may be waiting for it: a failure nobody meets is not an unhandled rejection.
    lease.catch(() => {});
    state.leasing = lease;
  }

  #remaining(state: KeyState, limit: number): number {
    let left = state.local;
    const count = state.shards.length;
    for (let index = 0; index < count; index++) {
      left += Math.max(0, shardBudget(limit, count, index) - (state.shards[index] as ShardState).leased);
    }
    return left;
  }

  #state(key: string, windowSeconds: number, shards: number): KeyState {
    const window = windowAt(this.#clock.now(), windowSeconds);
    let state = this.#keys.get(key);
    if (state === undefined || state.window.start !== window.start) {
      const length = window.end - window.start;
      const previousDemand = state?.window.start === window.start - length ? state.demand : undefined;
      // Leftover permits die with their window.
      state = {
        window,
        local: 0,
        shards: Array.from({ length: shards }, () => ({ leased: 0, exhausted: false })),
        home: shards === 1 ? 0 : Math.floor(Math.random() * shards),
        exhausted: false,
        demand: 0,
        lastLease: 0,
        previousDemand,
        leasing: undefined,
      };
      this.#keys.set(key, state);
      this.#forgetFinishedWindows(window.start);
    }
    return state;
  }

  async #lease(key: string, state: KeyState, limit: number): Promise<void> {
    // Sized by the last window's demand, or this one's when it is already higher; an instance
    // that did not see the last window (a cold start) takes the plain eighth until it has.
    const recentDemand =
      state.previousDemand === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(state.previousDemand, state.demand);
    // The home sub-counter first, then the next that still has some of its share.
    const count = state.shards.length;
    let index = state.home;
    while ((state.shards[index] as ShardState).exhausted) index = (index + 1) % count;
    const shard = state.shards[index] as ShardState;
    const budget = shardBudget(limit, count, index);
    const counterKey = shardKey(key, count, index);
    const result = await this.#counters.add(counterKey, state.window.start, (current) =>
      Math.min(leaseSize(budget - current, recentDemand), Math.max(0, budget - current)),
    );
    if (this.#keys.get(key) !== state) return; // the window rolled over meanwhile
    state.local += result.added;
    state.lastLease = result.added;
    shard.leased = result.count;
    shard.exhausted = result.count >= budget;
    // Permits already held are still spent first (take() looks at `local` before `exhausted`).
    state.exhausted = state.shards.every((s) => s.exhausted);
    if (result.created) {
      const length = state.window.end - state.window.start;
      void this.#counters.removeWindow(counterKey, state.window.start - 2 * length);
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
