// Added latency at a fixed rate, open loop: request i is due at t0 + i/rate whatever happened to
// the ones before it, and its latency is completion minus that due time (so a stall is charged to
// every request it delayed, not hidden by a client that waits for it: no coordinated omission).

import { Pool } from "undici";

export interface OpenLoopResult {
  rate: number;
  /** Measured seconds, the warm-up not counted. */
  seconds: number;
  /** Measured requests sent. */
  sent: number;
  /** Latencies of the measured 2xx answers in microseconds, ascending. */
  latenciesUs: Float64Array;
  /** How late this client sent the measured requests (send minus due time), in microseconds, ascending. */
  lagUs: Float64Array;
  /** Measured requests that failed or were not answered 2xx. */
  failures: number;
}

/** A timer that fires late by design: Node's timers have millisecond granularity. Every due
 *  request is sent on each tick, and the lateness is reported (lagUs) rather than hidden. */
const TICK_MS = 1;

export async function openLoop(options: {
  url: string;
  rate: number;
  seconds: number;
  tokens: readonly string[];
  path: (i: number) => string;
  /**
   * Sent at the same rate on the same connections just before the measured part, without a
   * break, and not counted: so the measurement starts warm, connections included.
   */
  warmupSeconds?: number;
  /** Called when the first measured request is due (the soak starts sampling memory then). */
  onMeasureStart?: () => void;
  /** Enough that a slow answer never makes a request wait for a connection. */
  connections?: number;
}): Promise<OpenLoopResult> {
  const pool = new Pool(options.url, { connections: options.connections ?? 256, pipelining: 1 });
  const warm = Math.round(options.rate * (options.warmupSeconds ?? 0));
  const measured = Math.round(options.rate * options.seconds);
  const total = warm + measured;
  const intervalNs = 1e9 / options.rate;
  const latencies = new Float64Array(measured);
  const lags = new Float64Array(measured);
  let ok = 0;
  let failures = 0;
  let sent = 0;
  let settled = 0;

  try {
    await new Promise<void>((resolve) => {
      // Nanoseconds since t0, as a double: exact enough (2^53 ns is 104 days).
      const t0 = process.hrtime.bigint();
      const elapsed = () => Number(process.hrtime.bigint() - t0);
      const dueNs = (i: number) => i * intervalNs;
      const fire = (i: number, now: number) => {
        const due = dueNs(i);
        const counted = i >= warm;
        if (counted) lags[i - warm] = (now - due) / 1e3;
        if (i === warm) options.onMeasureStart?.();
        pool
          .request({
            path: options.path(i),
            method: "GET",
            headers: { authorization: `Bearer ${options.tokens[i % options.tokens.length]}` },
          })
          .then(async (response) => {
            await response.body.dump();
            const done = elapsed();
            if (!counted) return;
            if (response.statusCode >= 200 && response.statusCode < 300) latencies[ok++] = (done - due) / 1e3;
            else failures++;
          })
          .catch(() => {
            if (counted) failures++;
          })
          .finally(() => {
            if (++settled === total) resolve();
          });
      };
      const tick = () => {
        const now = elapsed();
        while (sent < total && dueNs(sent) <= now) fire(sent++, now);
        if (sent < total) setTimeout(tick, TICK_MS);
      };
      if (total === 0) resolve();
      else tick();
    });
  } finally {
    await pool.close();
  }
  return {
    rate: options.rate,
    seconds: options.seconds,
    sent: Math.max(0, sent - warm),
    latenciesUs: latencies.subarray(0, ok).sort(),
    lagUs: lags.subarray(0, Math.max(0, sent - warm)).sort(),
    failures,
  };
}

/** The value at percentile p (0..100) of ascending values; nearest rank. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}
