// The report's verdicts on the latency goals: judged when both processes can serve the rate at
// all, and said to be unmeasurable (neither PASS nor MISS) when one of them cannot.

import { describe, expect, it } from "vitest";
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
