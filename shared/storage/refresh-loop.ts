// The timer behind every in-memory copy of a table (the policy, revocations, tenants): read once at
// start, then again every interval until stopped, with concurrent callers sharing one read. What a
// read does, and what it reports, stays with the copy; this only decides when reads happen.

export class RefreshLoop<R> {
  readonly #read: () => Promise<R>;
  readonly #intervalMs: number;
  #inFlight: Promise<R> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  /** `read` must never reject: a rejection would be unhandled on the timer's path. */
  constructor(read: () => Promise<R>, intervalMs: number) {
    this.#read = read;
    this.#intervalMs = intervalMs;
  }

  /** Reads once, then on the timer. When already running, only reads now. */
  async start(): Promise<R> {
    if (this.#running) return this.refreshNow();
    this.#running = true;
    const outcome = await this.refreshNow();
    this.#schedule();
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
  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.refreshNow().finally(() => this.#schedule());
    }, this.#intervalMs);
    // The timer alone must not keep the process (or a test worker) alive.
    this.#timer.unref();
  }
}
