// The report's verdicts on the latency goals: judged when both processes can serve the rate at
// all, and said to be unmeasurable (neither PASS nor MISS) when one of them cannot.

import { describe, expect, it } from "vitest";
import { explainMisses } from "../../bench/lib/miss-analysis.js";
import type { OpenLoopResult } from "../../bench/lib/open-loop.js";
import type { Results, TargetId } from "../../bench/lib/results.js";
import { judgeTargets } from "../../bench/lib/targets.js";

/** An open-loop result whose every latency is `ms`: its p50 and p99 are both `ms`. */
function flat(ms: number): OpenLoopResult {
  const latenciesUs = new Float64Array(100).fill(ms * 1000);
  return { rate: 1000, seconds: 10, sent: 100, latenciesUs, lagUs: new Float64Array(100), failures: 0 };
}

function results(capacity: Partial<Record<TargetId, number>>, latencyMs: Partial<Record<TargetId, number>>) {
  return {
    throughput: Object.entries(capacity).map(([target, median]) => ({ target, runs: [], median })),
    latency: [
      {
        rate: 1000,
        rows: Object.entries(latencyMs).map(([target, ms]) => ({ target, result: flat(ms as number) })),
      },
    ],
  } as unknown as Results;
}

const functionsP50 = (r: Results) =>
  judgeTargets(r).find((v) => v.target.startsWith("Functions path: added latency p50"));
const localP99 = (r: Results) => judgeTargets(r).find((v) => v.target === "Added latency p99 at 1,000 req/s");

describe("latency verdicts", () => {
  it("are judged when the target and its floor both serve more than the rate", () => {
    const fast = results(
      { functionsTollgate: 2_900, functionsFloor: 4_100, tollgate: 7_900 },
      { functionsTollgate: 1.5, functionsFloor: 1.4, tollgate: 4, direct: 1 },
    );
    expect(functionsP50(fast)).toMatchObject({ pass: true });
    expect(functionsP50(fast)?.unmeasurable).toBeUndefined();
    // 3 ms added against a 2 ms goal.
    expect(localP99(fast)).toMatchObject({ pass: false });
  });

  it("are not judged when either one serves less than the rate: the numbers are the queue's", () => {
    // Both queues grow without bound; their difference came out negative in a real run.
    const slow = results(
      { functionsTollgate: 432, functionsFloor: 786, tollgate: 1_715 },
      { functionsTollgate: 678, functionsFloor: 815, tollgate: 1.8, direct: 1.1 },
    );
    const verdict = functionsP50(slow);
    expect(verdict?.pass).toBeUndefined();
    expect(verdict?.unmeasurable).toContain("tollgate (functions path) serves 432 req/s");
    expect(verdict?.unmeasurable).toContain("the functions forwarder serves 786 req/s");
    // The local host keeps up here, so its own goal is still judged.
    expect(localP99(slow)?.pass).toBe(true);
  });
});

describe("throughput verdicts", () => {
  /** Runs of one target, one per round, at the given req/s. */
  const runs = (...perRound: number[]) =>
    perRound.map((requestsPerSecond, round) => ({
      requestsPerSecond,
      round,
      p50Ms: 1,
      p99Ms: 2,
      non2xx: 0,
      errors: 0,
    }));
  const withRuns = (rows: Partial<Record<TargetId, ReturnType<typeof runs>>>) =>
    ({
      throughput: Object.entries(rows).map(([target, list]) => ({
        target,
        runs: list,
        median: [...(list ?? [])].map((r) => r.requestsPerSecond).sort((a, b) => a - b)[1],
      })),
    }) as unknown as Results;
  const functionsThroughput = (r: Results) =>
    judgeTargets(r).find((v) => v.target === "Functions path: throughput vs the functions forwarder");

  it("are judged round by round, on the pair measured back to back", () => {
    // The machine slows down from round to round; in each round tollgate serves 0.85× of the floor.
    const drifting = withRuns({
      functionsFloor: runs(3000, 2200, 1500),
      functionsTollgate: runs(2550, 1870, 1275),
    });
    const verdict = functionsThroughput(drifting);
    expect(verdict?.pass).toBe(true);
    expect(verdict?.measured).toBe(
      "0.85× (median of 3 rounds, each back to back: 0.85, 0.85, 0.85; medians 1,870 vs 2,200 req/s)",
    );
  });

  it("miss on the rounds even when the medians would pass", () => {
    // A run's numbers (undici forwarder, then tollgate): the medians, 5,549 vs 8,346, read 0.66×.
    const local = withRuns({ undici: runs(8346, 11376, 7551), tollgate: runs(4007, 5549, 6142) });
    const verdict = judgeTargets(local).find((v) => v.target === "Throughput vs bare undici forwarder");
    expect(verdict).toMatchObject({ pass: false });
    expect(verdict?.measured).toMatch(
      /^0\.49× \(median of 3 rounds, each back to back: 0\.48, 0\.49, 0\.81;/,
    );
  });

  it("miss when most rounds miss, whatever one lucky round shows", () => {
    const verdict = functionsThroughput(
      withRuns({ functionsFloor: runs(2000, 2000, 2000), functionsTollgate: runs(1400, 1900, 1300) }),
    );
    expect(verdict).toMatchObject({ pass: false });
    expect(verdict?.measured).toMatch(/^0\.70×/);
  });

  it("pair runs by their round, leaving out a round that one of the two lacks", () => {
    const floor = runs(2000, 1000, 3000);
    const tollgate = runs(1800, 900, 2700).filter((r) => r.round !== 1);
    const verdict = functionsThroughput(withRuns({ functionsFloor: floor, functionsTollgate: tollgate }));
    expect(verdict?.measured).toMatch(/median of 2 rounds, each back to back: 0\.90, 0\.90/);
  });

  it("split a Functions-path miss into tollgate's no-check layer against the floor and the checks", () => {
    const miss = (layer: number[]) =>
      explainMisses(
        withRuns({
          functionsForwardLayer: runs(...layer),
          functionsFloor: runs(2000, 2000, 2000),
          functionsTollgate: runs(1400, 1500, 1300),
        }),
      ).find((line) => line.target === "Functions path: throughput vs the functions forwarder")?.explanation;
    // The layer keeps up with the floor: the checks are the cost (0.70 of the layer, round by round).
    expect(miss([2000, 2100, 1950])).toContain(
      "no checks serve 1.00× of the floor (round by round): the library's conversion and the forwarding cost tollgate no more than they cost the floor. The checks take 30% of that layer",
    );
    // With the core-alone phase, the checks' own cost in process is said beside it.
    const withCore = {
      ...withRuns({
        functionsForwardLayer: runs(2000, 2000, 2000),
        functionsFloor: runs(2000, 2000, 2000),
        functionsTollgate: runs(1400, 1500, 1300),
      }),
      corePath: {
        requests: 100,
        concurrency: 32,
        rounds: [
          { tollgateUs: 100, forwardUs: 60 },
          { tollgateUs: 110, forwardUs: 62 },
          { tollgateUs: 90, forwardUs: 58 },
        ],
      },
    } as unknown as Results;
    expect(
      explainMisses(withCore).find((line) => line.target.startsWith("Functions path: throughput"))
        ?.explanation,
    ).toContain("Run in one process with no HTTP server in front, the checks cost 40 µs of CPU per request");
    // The layer itself is slower than the floor: said so, not blamed on the checks.
    expect(miss([1600, 1600, 1600])).toContain(
      "no checks serve 0.80× of the floor (round by round): tollgate's entry and forwarding lose 20% before any check. The checks take 13% of that layer",
    );
  });
});
