// When an in-memory tally (token lifetimes, shadow differences) is written to storage: at most
// once an interval, checked when a new count arrives (so an instance with no traffic writes
// nothing), and at once on demand (shutdown). One home for the one-write-at-a-time guard; what a
// write holds, and what it reports, stays with the tally.

import type { Clock } from "./clock.js";

export class FlushSchedule {
  readonly #write: () => Promise<void>;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #lastAt: number;
  #running: Promise<void> | undefined;

  /** `write` must never reject: nobody waits for a write started by `due`. */
  constructor(write: () => Promise<void>, clock: Clock, intervalMs: number) {
    this.#write = write;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#lastAt = clock.now();
  }

  /** Starts a write nobody waits for when an interval has passed since the last and none is under way. */
  due(now: number): void {
    if (this.#running === undefined && now - this.#lastAt >= this.#intervalMs) void this.#start();
  }

  /** Waits for a write under way, then writes again now, whatever the interval. */
  async now(): Promise<void> {
    await this.#running;
    await this.#start();
  }

  /** Resolves once no write is under way (tests). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  #start(): Promise<void> {
    this.#lastAt = this.#clock.now();
    this.#running = this.#write().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
