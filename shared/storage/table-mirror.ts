// A small table read whole into memory at start and again on a timer, with the last good copy
// kept whenever storage fails. The request path only calls `current()`, which never does I/O:
// revocations and onboarded tenants are checked on every request at the cost of a map lookup.

import type { TableClient } from "@azure/data-tables";
import { type Clock, systemClock } from "../clock.js";
import { RefreshLoop } from "./refresh-loop.js";

export type MirrorEvent =
  | { type: "mirror_loaded"; table: string; entityCount: number }
  | { type: "mirror_read_failed"; table: string; error: string; hasCopy: boolean };

/** For readiness: whether a copy is held, how old it is, and the last read's trouble. */
export interface MirrorStatus {
  loaded: boolean;
  ageSeconds?: number;
  lastError?: string;
}

export interface Mirrored<T> {
  value: T;
  /** When this instance read it (ms since epoch, by the mirror's clock). */
  loadedAt: number;
}

export interface TableMirrorOptions<T> {
  client: TableClient;
  /** Turns every entity of the table into the in-memory form (an index); never throws for one bad row. */
  build: (entities: readonly Record<string, unknown>[]) => T;
  clock?: Clock;
  /** Seconds between reads; fractions are allowed (tests). */
  refreshSeconds: number;
  /** Bounds a whole read (every page). */
  storageTimeoutMs: number;
  onEvent?: (event: MirrorEvent) => void;
}

export class TableMirror<T> {
  readonly #options: TableMirrorOptions<T>;
  readonly #clock: Clock;
  #current: Mirrored<T> | undefined;
  #lastError: string | undefined;
  readonly #loop: RefreshLoop<boolean>;

  constructor(options: TableMirrorOptions<T>) {
    if (!(options.refreshSeconds > 0)) throw new RangeError("refreshSeconds must be above 0");
    if (!(options.storageTimeoutMs > 0)) throw new RangeError("storageTimeoutMs must be above 0");
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#loop = new RefreshLoop(
      () => this.#read(),
      options.refreshSeconds * 1000,
      (read) => !read && this.#current === undefined,
    );
  }

  /** Reads once, then on the timer. Resolves even when storage is down (`current()` is then undefined). */
  start(): Promise<boolean> {
    return this.#loop.start();
  }

  /** The last good copy, or undefined when none could be read yet. Never does I/O. */
  current(): Mirrored<T> | undefined {
    return this.#current;
  }

  status(): MirrorStatus {
    const current = this.#current;
    return {
      loaded: current !== undefined,
      ...(current ? { ageSeconds: Math.floor((this.#clock.now() - current.loadedAt) / 1000) } : {}),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  /** Reads storage now; concurrent callers share one read. Never throws; true when it read. */
  refreshNow(): Promise<boolean> {
    return this.#loop.refreshNow();
  }

  stop(): void {
    this.#loop.stop();
  }

  async #read(): Promise<boolean> {
    const { client, storageTimeoutMs } = this.#options;
    const signal = AbortSignal.timeout(storageTimeoutMs);
    try {
      const entities: Record<string, unknown>[] = [];
      try {
        for await (const entity of client.listEntities<Record<string, unknown>>({ abortSignal: signal })) {
          entities.push(entity);
        }
      } catch (error) {
        // Nothing was ever written: the table is created on the first write, so absent means empty.
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
      this.#current = { value: this.#options.build(entities), loadedAt: this.#clock.now() };
      this.#lastError = undefined;
      this.#emit({ type: "mirror_loaded", table: client.tableName, entityCount: entities.length });
      return true;
    } catch (error) {
      const message = signal.aborted
        ? `storage did not answer within ${storageTimeoutMs} ms`
        : error instanceof Error
          ? error.message
          : String(error);
      this.#lastError = message;
      this.#emit({
        type: "mirror_read_failed",
        table: client.tableName,
        error: message,
        hasCopy: this.#current !== undefined,
      });
      return false;
    }
  }

  #emit(event: MirrorEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // Reporting must never stop a read.
    }
  }
}
