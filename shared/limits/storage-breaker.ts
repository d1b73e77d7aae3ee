// Remembers that storage just failed, so that for a short while requests decide by the
// policy's fail mode at once instead of each waiting out the storage timeout again.

import type { Clock } from "../clock.js";

export class StorageBreaker {
  readonly #clock: Clock;
  readonly #cooldownMs: number;
  #openUntil = 0;

  constructor(clock: Clock, cooldownMs: number) {
    this.#clock = clock;
    this.#cooldownMs = cooldownMs;
  }

  /** True while storage is presumed down. */
  isOpen(): boolean {
    return this.#clock.now() < this.#openUntil;
  }

  secondsUntilRetry(): number {
    return Math.max(1, Math.ceil((this.#openUntil - this.#clock.now()) / 1000));
  }

  failed(): void {
    this.#openUntil = this.#clock.now() + this.#cooldownMs;
  }

  succeeded(): void {
    this.#openUntil = 0;
  }
}
