// The latency phase measures each target in rounds and merges them: the merged result must hold
// every round's samples, in order, so its percentiles are those of all the rounds together.

import { describe, expect, it } from "vitest";
import { mergeOpenLoop, type OpenLoopResult, percentile } from "../../bench/lib/open-loop.js";

const run = (latencies: number[], lags: number[], failures: number): OpenLoopResult => ({
  rate: 1000,
  seconds: 2,
  sent: latencies.length + failures,
  latenciesUs: Float64Array.from(latencies).sort(),
  lagUs: Float64Array.from(lags).sort(),
  failures,
});

describe("mergeOpenLoop", () => {
  it("keeps every round's samples, sorted, and adds up the counts", () => {
    const merged = mergeOpenLoop([run([500, 900, 100], [3, 1], 1), run([300, 5000], [2], 0)]);
    expect(Array.from(merged.latenciesUs)).toEqual([100, 300, 500, 900, 5000]);
    expect(Array.from(merged.lagUs)).toEqual([1, 2, 3]);
    expect(merged).toMatchObject({ rate: 1000, seconds: 4, sent: 6, failures: 1 });
    // A slow round's tail shows in the merged tail instead of being averaged away.
    expect(percentile(merged.latenciesUs, 99)).toBe(5000);
  });

  it("refuses an empty list rather than inventing a result", () => {
    expect(() => mergeOpenLoop([])).toThrow(/at least one run/);
  });
});
