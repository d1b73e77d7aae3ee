// The scale model's invariants: `npm run bench:scale -- --quick` runs tollgate's real limiter at
// 1, 10 and 50 simulated instances and strict mode never admits more than the limit in any window,
// while approximate mode stays within its stated bound wherever storage kept answering. Only
// counts are checked, never timings (the model's latencies are simulated; real time is not
// measured here).

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Summary } from "../../../bench/scale/summarize.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
let out: string;
let summaries: Summary[];
let report: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "tollgate-scale-test-"));
  // A child process: the model replaces the process's timers while it runs.
  const child = spawn(process.execPath, ["--import", "tsx", "bench/scale/main.ts", "--quick", "--out", out], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code, output).toBe(0);
  summaries = (JSON.parse(readFileSync(join(out, "scale.json"), "utf8")) as { summaries: Summary[] })
    .summaries;
  report = readFileSync(join(out, "SCALE.md"), "utf8");
}, 240_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe("scale model, quick", () => {
  it("runs every scenario family at 1, 10 and 50 instances", () => {
    const families = new Set(summaries.map((s) => s.family));
    expect(families.size).toBeGreaterThanOrEqual(7);
    for (const family of families) {
      expect(summaries.filter((s) => s.family === family).map((s) => s.instances)).toEqual([1, 10, 50]);
    }
  });

  it("never admits more than the limit in strict mode, whatever the scenario", () => {
    const strict = summaries.filter((s) => s.mode === "strict");
    expect(strict.length).toBeGreaterThan(0);
    for (const s of strict) {
      expect(s.maxAdmitted, s.name).toBeGreaterThan(0);
      expect(s.maxAdmitted, s.name).toBeLessThanOrEqual(s.limit);
    }
  });

  it("keeps approximate mode within its bound while storage answers", () => {
    const approximate = summaries.filter((s) => s.mode === "approximate");
    expect(approximate.length).toBeGreaterThan(0);
    for (const s of approximate) {
      expect(s.busy503, s.name).toBe(0);
      expect(s.overLimit, s.name).toBeLessThanOrEqual(s.approximateBound ?? -1);
    }
  });

  it("admits the demand under a hot strict limit at 50 instances (leases sized by each instance's demand)", () => {
    const hot = summaries.find((s) => s.name === "hot-strict-50");
    expect(hot?.refusedUnderLimit).toBeLessThan(0.05);
  });

  it("writes a report with the tables and the plot", () => {
    expect(report).toContain("## One hot key, strict, steady arrivals");
    expect(report).toContain("## Background jobs across all instances");
    expect(report).toContain("scale.svg");
    expect(readFileSync(join(out, "scale.svg"), "utf8")).toContain("<polyline");
  });
});
