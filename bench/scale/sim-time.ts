// Simulated time for the scale model. One event queue stands in for the process's timers while a
// scenario runs, so tollgate's real code (the limiter's sync timer and backoff sleeps, the policy
// refresh chain, every storage timeout) runs in simulated milliseconds: a thousand instances in
// one process, in seconds of real time, the same way on every run (seeded randomness).

import type { Clock } from "../../shared/clock.js";

type Callback = () => void;

/** What `setTimeout` returns here: enough of Node's Timeout for the code that holds one. */
export class SimTimer {
  cancelled = false;
  constructor(
    public at: number,
    readonly seq: number,
    readonly callback: Callback,
    readonly repeatMs: number | undefined,
  ) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  [Symbol.toPrimitive](): number {
    return this.seq;
  }
}

/** Mulberry32: small, fast and good enough to spread arrivals and latencies. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const realSetImmediate = globalThis.setImmediate;
/** Lets every pending promise reaction run: Node empties the microtask queue before any macrotask. */
const settle = () => new Promise<void>((resolve) => realSetImmediate(resolve));

export class SimTime implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: SimTimer[] = [];
  readonly random: () => number;

  constructor(startMs: number, seed: number) {
    this.#now = startMs;
    this.random = seededRandom(seed);
  }

  now(): number {
    return this.#now;
  }

  at(whenMs: number, callback: Callback, repeatMs?: number): SimTimer {
    const timer = new SimTimer(Math.max(whenMs, this.#now), this.#seq++, callback, repeatMs);
    this.#push(timer);
    return timer;
  }

  after(delayMs: number, callback: Callback): SimTimer {
    return this.at(this.#now + Math.max(0, delayMs), callback);
  }

  /** A promise that resolves after `delayMs` of simulated time. */
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.after(delayMs, resolve));
  }

  /** Runs events in time order until `untilMs`, letting promises settle between timestamps. */
  async runUntil(untilMs: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.#heap[0];
      if (next === undefined || next.at > untilMs) break;
      const at = next.at;
      this.#now = at;
      // Every event due at this instant, then one settle for all their promise reactions.
      while (this.#heap[0] !== undefined && (this.#heap[0] as SimTimer).at === at) {
        const timer = this.#pop();
        if (timer.cancelled) continue;
        if (timer.repeatMs !== undefined) {
          timer.at = at + timer.repeatMs;
          this.#push(timer);
        }
        timer.callback();
      }
      await settle();
    }
    this.#now = Math.max(this.#now, untilMs);
    await settle();
  }

  /** Runs simulated time until `work` settles (real I/O such as key generation may take a while). */
  async runFor<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const settled = work.finally(() => {
      done = true;
    });
    while (!done) await this.runUntil(this.#now + 100);
    return settled;
  }

  /**
   * Makes this the process's timers until the returned function is called: setTimeout,
   * setInterval, AbortSignal.timeout and Math.random. The real code under test uses no other
   * source of time than these and its injected clock.
   */
  install(): () => void {
    const saved = {
      setTimeout: globalThis.setTimeout,
      clearTimeout: globalThis.clearTimeout,
      setInterval: globalThis.setInterval,
      clearInterval: globalThis.clearInterval,
      abortTimeout: AbortSignal.timeout,
      random: Math.random,
    };
    const clear = (timer: unknown) => {
      if (timer instanceof SimTimer) timer.cancelled = true;
    };
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) =>
      this.after(delay ?? 0, () => callback(...args));
    g.setInterval = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
      const every = Math.max(1, delay ?? 1);
      return this.at(this.#now + every, () => callback(...args), every);
    };
    g.clearTimeout = clear;
    g.clearInterval = clear;
    AbortSignal.timeout = (delay: number) => {
      const controller = new AbortController();
      this.after(delay, () =>
        controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
      );
      return controller.signal;
    };
    Math.random = this.random;
    return () => {
      g.setTimeout = saved.setTimeout;
      g.clearTimeout = saved.clearTimeout;
      g.setInterval = saved.setInterval;
      g.clearInterval = saved.clearInterval;
      AbortSignal.timeout = saved.abortTimeout;
      Math.random = saved.random;
    };
  }

  #less(a: SimTimer, b: SimTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(timer: SimTimer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i] as SimTimer, heap[parent] as SimTimer)) break;
      [heap[i], heap[parent]] = [heap[parent] as SimTimer, heap[i] as SimTimer];
      i = parent;
    }
  }

  #pop(): SimTimer {
    const heap = this.#heap;
    const top = heap[0] as SimTimer;
    const last = heap.pop() as SimTimer;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.#less(heap[left] as SimTimer, heap[smallest] as SimTimer))
          smallest = left;
        if (right < heap.length && this.#less(heap[right] as SimTimer, heap[smallest] as SimTimer))
          smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as SimTimer, heap[i] as SimTimer];
        i = smallest;
      }
    }
    return top;
  }
}
