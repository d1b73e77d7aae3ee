// Window counters in Table Storage. Table Storage has no atomic increment, so a counter is read
// and then replaced with If-Match on its ETag; a 412 means another instance won and we try
// again. The ETag of our own last write is remembered, so an uncontended update costs one call.

import type { TableClient } from "@azure/data-tables";
import { ensureTable, statusOf } from "../storage/entity-table.js";

interface CounterEntity {
  partitionKey: string;
  rowKey: string;
  count: number;
}

export interface CounterTableOptions {
  client: TableClient;
  storageTimeoutMs: number;
  /** Told the number of storage calls each operation made, for the ops-per-request budget. */
  onOperations?: (count: number) => void;
  /** Counters remembered at most; default MAX_KNOWN (tests push past a smaller one). */
  maxKnown?: number;
}

/** Storage could not be reached or did not answer in time. */
export class CounterStorageError extends Error {
  override readonly name = "CounterStorageError";
}

/** Contention is not an outage: retry until the storage timeout, with jitter so writers spread. */
const MAX_ATTEMPTS = 64;
/** Counters remembered at most (their last count and ETag, about 150 bytes each). */
export const MAX_KNOWN = 100_000;
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** Math.min(attempt, 6))));
/** After a 503: jittered, doubling from 25 ms up to a second. */
const busyBackoff = (busy: number) =>
  new Promise((resolve) => setTimeout(resolve, (0.5 + Math.random() / 2) * Math.min(1000, 25 * 2 ** busy)));

export interface AddResult {
  added: number;
  /** The counter after the add, as far as this instance knows. */
  count: number;
  /** This call created the window's counter (it opened the window). */
  created: boolean;
}

/** Row keys sort by window start. */
export function windowRow(windowStart: number): string {
  return String(windowStart).padStart(16, "0");
}

export class WindowCounterTable {
  readonly #client: TableClient;
  readonly #timeoutMs: number;
  readonly #onOperations: ((count: number) => void) | undefined;
  /** What this instance last read or wrote per counter: its value and ETag. */
  readonly #known = new Map<string, { count: number; etag: string }>();
  #tableReady: Promise<void> | undefined;
  readonly #maxKnown: number;

  constructor(options: CounterTableOptions) {
    this.#client = options.client;
    this.#timeoutMs = options.storageTimeoutMs;
    this.#onOperations = options.onOperations;
    this.#maxKnown = options.maxKnown ?? MAX_KNOWN;
  }

  /** Counters remembered now. */
  get knownCount(): number {
    return this.#known.size;
  }

  /**
   * Adds to a window's counter as much of `want(current)` as it returns, atomically with respect
   * to other instances, and returns what was added and the count after. `want` sees the current
   * count and may return 0 (nothing is written then).
   */
  async add(
    key: string,
    windowStart: number,
    want: (current: number) => number,
    options: { fresh?: boolean; retryWhenBusy?: boolean } = {},
  ): Promise<AddResult> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const row = windowRow(windowStart);
    const id = `${key}\n${row}`;
    // A reader that adds nothing still wants to see the other instances' counts.
    if (options.fresh) this.#known.delete(id);
    let operations = 0;
    try {
      await this.#ensureTable(signal);
      let busy = 0;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        try {
          let known = this.#known.get(id);
          if (known === undefined) {
            operations++;
            known = await this.#read(key, row, signal);
            if (known === undefined) {
              const added = want(0);
              if (added <= 0) return { added: 0, count: 0, created: false };
              operations++;
              const created = await this.#create(key, row, added, signal);
              if (created !== undefined) {
                this.#remember(id, { count: added, etag: created });
                this.#forgetOld(key, windowStart);
                return { added, count: added, created: true };
              }
              continue; // another instance created it first: read theirs
            }
            this.#remember(id, known);
          }
          const added = want(known.count);
          if (added <= 0) return { added: 0, count: known.count, created: false };
          operations++;
          const etag = await this.#replace(key, row, known.count + added, known.etag, signal);
          if (etag !== undefined) {
            this.#remember(id, { count: known.count + added, etag });
            return { added, count: known.count + added, created: false };
          }
          this.#known.delete(id); // stale: someone else wrote since
          if (signal.aborted) break;
          await backoff(attempt);
        } catch (error) {
          // 503 Server Busy: the partition or the account is past its target. Not an outage:
          // back off exponentially, as the service asks, and try again within the timeout
          // (failing at once opened the breaker, and a burst at a window boundary then
          // refused most of the demand under the limit; bench/SCALE.md). A caller with a next
          // chance of its own (a periodic sync) says not to, so it does not add to the load.
          if (statusOf(error) !== 503 || signal.aborted || options.retryWhenBusy === false) throw error;
          await busyBackoff(busy++);
        }
      }
      throw new CounterStorageError(`counter ${key} stayed contended until the storage timeout`);
    } catch (error) {
      if (error instanceof CounterStorageError) throw error;
      throw new CounterStorageError(error instanceof Error ? error.message : String(error));
    } finally {
      this.#onOperations?.(operations);
    }
  }

  /**
   * What a counter was last seen at, kept for the next add. Bounded: past MAX_KNOWN entries the
   * oldest are forgotten, which costs only a read the next time that counter is used.
   */
  #remember(id: string, value: { count: number; etag: string }): void {
    this.#known.delete(id);
    if (this.#known.size >= this.#maxKnown) {
      const oldest = this.#known.keys().next();
      if (!oldest.done) this.#known.delete(oldest.value);
    }
    this.#known.set(id, value);
  }

  #ensureTable(signal: AbortSignal): Promise<void> {
    this.#tableReady ??= ensureTable(this.#client, signal).catch((error: unknown) => {
      this.#tableReady = undefined;
      throw error;
    });
    return this.#tableReady;
  }

  async #read(
    key: string,
    row: string,
    signal: AbortSignal,
  ): Promise<{ count: number; etag: string } | undefined> {
    try {
      const entity = await this.#client.getEntity<CounterEntity>(key, row, { abortSignal: signal });
      return { count: Number(entity.count) || 0, etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async #create(key: string, row: string, count: number, signal: AbortSignal): Promise<string | undefined> {
    try {
      const result = await this.#client.createEntity<CounterEntity>(
        { partitionKey: key, rowKey: row, count },
        { abortSignal: signal },
      );
      return result.etag ?? "";
    } catch (error) {
      if (statusOf(error) === 409) return undefined;
      // Only a missing table makes a create 404: storage was recreated or emptied (an emulator
      // restarted) since we made it. Make it again; the caller then reads and creates afresh.
      if (statusOf(error) === 404) {
        this.#tableReady = undefined;
        await this.#ensureTable(signal);
        return undefined;
      }
      throw error;
    }
  }

  async #replace(
    key: string,
    row: string,
    count: number,
    etag: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    try {
      const result = await this.#client.updateEntity<CounterEntity>(
        { partitionKey: key, rowKey: row, count },
        "Replace",
        { etag, abortSignal: signal },
      );
      return result.etag ?? "";
    } catch (error) {
      // 412: someone else wrote since. 404: the counter (or its table) is gone. Either way what
      // we knew is stale: the caller reads again.
      if (statusOf(error) === 412 || statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * The instance that opens a window removes the counter from two windows back (one back may
   * still be settling on a slow clock) and forgets its own memory of finished windows.
   */
  #forgetOld(key: string, windowStart: number): void {
    for (const id of this.#known.keys()) {
      const [knownKey, row] = id.split("\n");
      if (knownKey === key && row !== undefined && Number(row) < windowStart) this.#known.delete(id);
    }
  }

  /** Best effort, off the request path: deleting an old window's counter. */
  async removeWindow(key: string, windowStart: number): Promise<void> {
    try {
      await this.#client.deleteEntity(key, windowRow(windowStart), {
        abortSignal: AbortSignal.timeout(this.#timeoutMs),
      });
      this.#onOperations?.(1);
    } catch {
      // Already gone, or storage is down: the next window's opener tries again.
    }
  }
}
