// Throughput: autocannon with a fixed number of connections, each request carrying the next token
// of the pool (set per request, so no token is sent twice in a row and a cache sees the whole pool).

import autocannon from "autocannon";

export interface ThroughputRun {
  requestsPerSecond: number;
  /** autocannon's latency percentiles for the run, in ms (closed loop: for context only). */
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** The round of the throughput phase it was measured in (0 first). */
  round?: number;
  /**
   * CPU the target process (all its threads) spent per answered request during the run, in µs,
   * where the platform shows it (Linux /proc): unlike req/s, not lowered by the load generator or
   * the backend taking a core from it.
   */
  cpuMicrosPerRequest?: number;
}

export async function throughputRun(options: {
  url: string;
  tokens: readonly string[];
  path: (i: number) => string;
  connections: number;
  /** How long to run; or, for `{ requests }`, until that many requests have been answered. */
  seconds: number | { requests: number };
}): Promise<ThroughputRun> {
  let i = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(typeof options.seconds === "number"
      ? { duration: options.seconds }
      : { amount: options.seconds.requests }),
    requests: [
      {
        method: "GET",
        setupRequest: (request) => {
          const n = i++;
          return {
            ...request,
            path: options.path(n),
            headers: {
              ...request.headers,
              authorization: `Bearer ${options.tokens[n % options.tokens.length]}`,
            },
          };
        },
      },
    ],
  });
  const ok = result["2xx"];
  return {
    // Completed 2xx answers over the run's length: refusals and errors are not throughput.
    requestsPerSecond: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * A warm-up that sends every token of the pool at least once, then runs `seconds` more. The
 * measured runs are of repeat callers (the pool cycles); on a machine slow enough that a timed
 * warm-up ends before the pool is through, the first measured run would also verify hundreds
 * of tokens for the first time, and read low against the runs after it.
 */
export async function warmUp(options: Omit<Parameters<typeof throughputRun>[0], "seconds">, seconds: number) {
  await throughputRun({ ...options, seconds: { requests: options.tokens.length } });
  await throughputRun({ ...options, seconds });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * `a` over `b`, round by round: each round measures the two back to back, so a machine whose
 * speed drifts over minutes slows both alike and the drift cancels in that round's ratio; the
 * median of the rounds' ratios is the measure. Rounds where either has no run are left out.
 */
export function pairedRatio(
  a: readonly ThroughputRun[],
  b: readonly ThroughputRun[],
): { median: number; ratios: number[] } {
  const ratios: number[] = [];
  for (const run of a) {
    const partner = b.find((other) => other.round === run.round);
    if (run.round === undefined || partner === undefined || partner.requestsPerSecond <= 0) continue;
    ratios.push(run.requestsPerSecond / partner.requestsPerSecond);
  }
  return { median: median(ratios), ratios };
}
