// The timer behind every in-memory copy of a table (the policy, revocations, tenants): read once at
// start, then again every interval until stopped, with concurrent callers sharing one read. What a
// read does, and what it reports, stays with the copy; this only decides when reads happen.
//
// A copy that has nothing yet (a new instance whose first read met a storage hiccup) must not wait
// a whole interval to try again: until then the instance answers 503 (the policy) or refuses what
// needs the copy. It retries after RETRY_FIRST_MS, doubling up to the interval, jittered so that
// instances started together do not read together.

/** First retry while a copy has nothing; doubles each failed retry, up to the interval. */
export const RETRY_FIRST_MS = 1_000;

export class RefreshLoop<R> {
  readonly #read: () => Promise<R>;
  readonly #intervalMs: number;
  #inFlight: Promise<R> | undefined;
  readonly #retrySooner: (outcome: R) => boolean;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #retryMs = RETRY_FIRST_MS;

  /**
   * `read` must never reject: a rejection would be unhandled on the timer's path. `retrySooner`
   * says, after a read, that the copy still has nothing and the next read should come early.
   */
  constructor(
    read: () => Promise<R>,
    intervalMs: number,
    retrySooner: (outcome: R) => boolean = () => false,
  ) {
    this.#read = read;
    this.#intervalMs = intervalMs;
    this.#retrySooner = retrySooner;
  }

  /** Reads once, then on the timer. When already running, only reads now. */
  async start(): Promise<R> {
    if (this.#running) return this.refreshNow();
    this.#running = true;
    const outcome = await this.refreshNow();
    this.#schedule(outcome);
    return outcome;
  }

  /** Reads now; concurrent callers share one read. */
  refreshNow(): Promise<R> {
    this.#inFlight ??= this.#read().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // A chain of timeouts rather than an interval: a slow read never overlaps the next.
  #schedule(outcome: R): void {
    if (!this.#running) return;
    let delayMs = this.#intervalMs;
    if (this.#retrySooner(outcome)) {
      delayMs = Math.min(this.#intervalMs, this.#retryMs * (0.8 + 0.4 * Math.random()));
      this.#retryMs = Math.min(this.#intervalMs, this.#retryMs * 2);
    } else {
      this.#retryMs = RETRY_FIRST_MS;
    }
    this.#timer = setTimeout(() => {
      // A read that broke its contract and rejected still leaves the loop running.
      void this.refreshNow().then(
        (next) => this.#schedule(next),
        () => this.#schedule(outcome),
      );
    }, delayMs);
    // The timer alone must not keep the process (or a test worker) alive.
    this.#timer.unref();
  }
}
