// Bounded load for fault tests: a fixed number of requests from a few concurrent workers, with
// a time limit, tallying what came back. Faults are injected while it runs.

export interface LoadResult {
  /** How many times each outcome came back (a status, or a label such as "body-error"). */
  tally: Map<string, number>;
  sent: number;
  /** The slowest single request, in ms. */
  slowestMs: number;
  /** The time limit cut the run short. */
  timedOut: boolean;
}

export interface LoadOptions {
  count: number;
  concurrency: number;
  timeLimitMs: number;
  /** One request; returns its outcome label. `index` counts from 0. */
  send: (index: number) => Promise<string>;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const tally = new Map<string, number>();
  const deadline = Date.now() + options.timeLimitMs;
  let next = 0;
  let slowestMs = 0;
  let timedOut = false;
  const worker = async () => {
    while (next < options.count) {
      if (Date.now() > deadline) {
        timedOut = true;
        return;
      }
      const index = next++;
      const started = performance.now();
      let outcome: string;
      try {
        outcome = await options.send(index);
      } catch (error) {
        outcome = `error: ${error instanceof Error ? error.message : String(error)}`;
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { tally, sent: next, slowestMs, timedOut };
}

/** The tally as a plain object, for readable assertions. */
export function outcomes(result: LoadResult): Record<string, number> {
  return Object.fromEntries([...result.tally].sort(([a], [b]) => a.localeCompare(b)));
}
