// tollgate's own sampler for decision spans: a fixed share, or about N a second, each kept row
// carrying the rate that makes Application Insights count it right. Its draws and its clock are
// injected, so the rates are exact here; the exporter's side is test/integration/telemetry/sampling.test.ts.

import { describe, expect, it } from "vitest";
import { createDecisionSampler } from "../../../shared/telemetry/decision-sampler.js";

/** Draws 0, 1/n, 2/n, … in turn: exactly one in n is under 1/n. */
function cycling(n: number): () => number {
  let i = 0;
  return () => (i++ % n) / n;
}

describe("a fixed share (tracesPerSecond 0)", () => {
  it("keeps each span with the ratio's probability and says the rate in percent", () => {
    const sampler = createDecisionSampler({ tracesPerSecond: 0, samplingRatio: 0.25 }, cycling(4));
    const decisions = Array.from({ length: 8 }, () => sampler.decide());
    expect(decisions.filter((d) => d.sampled)).toHaveLength(2);
    for (const d of decisions) expect(d.rate).toBe(25);
  });

  it("keeps every span at 1 (rate 100: no attribute) and none at 0", () => {
    const all = createDecisionSampler({ tracesPerSecond: 0, samplingRatio: 1 }, () => 0.999);
    expect(all.decide()).toEqual({ sampled: true, rate: 100 });
    const none = createDecisionSampler({ tracesPerSecond: 0, samplingRatio: 0 }, () => 0);
    expect(none.decide().sampled).toBe(false);
  });
});

describe("about N a second (tracesPerSecond N)", () => {
  it("keeps every span while traffic stays under N a second, the first one included", () => {
    let now = 0;
    const sampler = createDecisionSampler(
      { tracesPerSecond: 5, samplingRatio: 1 },
      () => 0.999,
      () => now,
    );
    for (let i = 0; i < 10; i++) {
      expect(sampler.decide()).toEqual({ sampled: true, rate: 100 });
      now += 500; // 2 a second
    }
  });

  it("at 100 a second with N = 5 keeps about 5 a second, each row standing for a whole number of requests", () => {
    let now = 0;
    const sampler = createDecisionSampler({ tracesPerSecond: 5, samplingRatio: 1 }, cycling(20), () => now);
    // Ten seconds to settle, then two more counted.
    for (let i = 0; i < 1000; i++, now += 10) sampler.decide();
    const counted = Array.from({ length: 200 }, () => {
      now += 10;
      return sampler.decide();
    });
    const kept = counted.filter((d) => d.sampled);
    expect(kept.length).toBeGreaterThanOrEqual(8);
    expect(kept.length).toBeLessThanOrEqual(12);
    for (const d of counted) {
      const itemCount = 100 / d.rate;
      expect(Math.abs(itemCount - Math.round(itemCount))).toBeLessThan(1e-9);
      expect(Math.round(itemCount)).toBeGreaterThanOrEqual(19);
      expect(Math.round(itemCount)).toBeLessThanOrEqual(21);
    }
    // What Application Insights adds up from the kept rows: about the 200 requests made.
    const estimated = kept.reduce((sum, d) => sum + 100 / d.rate, 0);
    expect(estimated).toBeGreaterThanOrEqual(160);
    expect(estimated).toBeLessThanOrEqual(240);
  });

  it("follows a drop in traffic back to keeping every span", () => {
    let now = 0;
    const sampler = createDecisionSampler({ tracesPerSecond: 5, samplingRatio: 1 }, cycling(20), () => now);
    for (let i = 0; i < 300; i++, now += 10) sampler.decide();
    now += 10_000; // quiet for ten seconds
    expect(sampler.decide()).toEqual({ sampled: true, rate: 100 });
  });
});
