// The bench's step costs: a sample goes to the innermost of tollgate's steps on its stack, and a
// step's CPU per request is its samples' time over the requests answered while profiled.

import { describe, expect, it } from "vitest";
import { checksMicros, pipelineCosts } from "../../bench/lib/cpu-profile.js";

const own = (file: string) => `file:///work/node_modules/.cache/tollgate-bench/1234/${file}`;
const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: 0 },
  children,
});

// root → gateway → { validateAuthorization → (native) get, forwardRequest → undici request }
const profile = {
  nodes: [
    frame(1, "(root)", "", [2, 7]),
    frame(2, "", own("shared/gateway.js"), [3, 5]),
    frame(3, "validateAuthorization", own("shared/token/token-validator.js"), [4]),
    frame(4, "get", ""),
    frame(5, "forwardRequest", own("shared/forward/forward-request.js"), [6]),
    frame(6, "request", "file:///work/node_modules/undici/lib/api/api-request.js"),
    frame(7, "(idle)", ""),
  ],
  // 10 samples over 1 s: 3 in the token step (one in the validator, two in what it calls), 4 in
  // forwarding (undici under forwardRequest), 1 in the gateway itself, 2 idle.
  samples: [3, 4, 4, 6, 6, 6, 5, 2, 7, 7],
  startTime: 0,
  endTime: 1_000_000,
};

describe("pipelineCosts", () => {
  const steps = pipelineCosts(profile, 1_000);
  const step = (prefix: string) => steps.find((s) => s.name.startsWith(prefix));

  it("charges each sample to the innermost step on its stack, callees included", () => {
    expect(step("token")?.percent).toBeCloseTo(30);
    expect(step("forwarding")?.percent).toBeCloseTo(40);
    expect(step("the gateway's own")?.percent).toBeCloseTo(10);
    expect(step("rate limit")?.percent).toBe(0);
  });

  it("turns samples into CPU per request at the profiled rate", () => {
    // 3 samples of 100 ms each over 1,000 requests: 300 µs per request.
    expect(step("token")?.microsPerRequest).toBeCloseTo(300);
    // The checks leave forwarding out: the token step and the gateway's own code.
    expect(checksMicros(steps)).toBeCloseTo(400);
  });
});
