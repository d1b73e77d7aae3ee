// The benchmark's smoke check: `npm run bench -- --quick` runs end to end and writes a report with
// every section and the latency plot. Only that they are produced is checked, never the numbers:
// timings belong in the benchmark, not in a test (a loaded machine must not fail the suite).

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let out: string;
let report: string;
let svg: string;
let printed: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "tollgate-bench-test-"));
  const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--out", out], {
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
  printed = output;
  expect(code, output).toBe(0);
  report = readFileSync(join(out, "RESULTS.md"), "utf8");
  svg = readFileSync(join(out, "latency.svg"), "utf8");
}, 420_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe("npm run bench -- --quick", () => {
  it("writes a report with a header naming the machine, Node and the mode", () => {
    expect(report).toMatch(/^# tollgate benchmarks/);
    expect(report).toContain("**Quick run**");
    expect(report).toMatch(/- Machine: .+, \d+ cores, [\d.]+ GiB/);
    expect(report).toMatch(/- Node v\d+\.\d+\.\d+/);
  });

  it("has every section", () => {
    for (const heading of [
      "## Targets",
      "## Throughput",
      "## The core alone",
      "## Added latency",
      "### 1,000 req/s",
      "## Token path",
      "## Shadow policy cost",
      "## Cold start",
      "## Memory",
      "## The tail",
      "## Where the time goes",
      "## How it was measured",
    ]) {
      expect(report).toContain(heading);
    }
    expect(report).not.toContain("_Not run");
  });

  it("judges every target of the issue: PASS, MISS, or not measurable on a machine too slow for its rate", () => {
    const targets = report.slice(report.indexOf("## Targets"), report.indexOf("## Throughput"));
    for (const target of [
      "Throughput vs bare undici forwarder",
      "Throughput vs fastify peer",
      "Added latency p50 at 1,000 req/s",
      "Added latency p99 at 1,000 req/s",
      "Token path",
      "Resident memory",
      "Functions path: throughput vs the functions forwarder",
      "Functions path: added latency p50 at 1,000 req/s",
      "Functions path: added latency p99 at 1,000 req/s",
      "Cold start, local host, telemetry off",
      "Cold start, local host, telemetry on",
      "Cold start, Functions path, telemetry off",
      "Cold start, Functions path, telemetry on",
    ]) {
      const row = targets.split("\n").find((line) => line.startsWith(`| ${target}`));
      expect(row, target).toBeDefined();
      expect(row).toMatch(/\*\*(PASS|MISS|NOT MEASURABLE HERE)\*\*/);
      // Only a latency goal can be unmeasurable, and only with the reason named.
      if (row?.includes("NOT MEASURABLE HERE"))
        expect(row).toMatch(/latency.*req\/s at most on this machine/);
    }
  });

  it("measures every target in the throughput table, and tollgate and the peer for latency", () => {
    for (const target of [
      "direct (no proxy)",
      "tollgate",
      "fastify peer",
      "undici forwarder",
      "tollgate (functions path)",
      "functions forwarder (functions path floor)",
      "functions forwarder, buffered (no HTTP streaming)",
    ]) {
      expect(report).toMatch(new RegExp(`^\\| ${target.replace(/[()]/g, "\\$&")} \\| [\\d,]+ \\|`, "m"));
    }
    const latency = report.slice(report.indexOf("### 1,000 req/s"), report.indexOf("## Token path"));
    for (const target of [
      "direct (no proxy)",
      "tollgate",
      "fastify peer",
      "tollgate (functions path)",
      "functions forwarder (functions path floor)",
    ])
      expect(latency).toContain(`| ${target} |`);
  });

  it("gives each target's CPU per request in the throughput table, read from its process", () => {
    const throughput = report.slice(report.indexOf("## Throughput"), report.indexOf("## Added latency"));
    const header = throughput.split("\n").find((line) => line.startsWith("| Target |")) ?? "";
    const column = header.split(" | ").indexOf("CPU per request (µs)");
    expect(column).toBeGreaterThan(0);
    for (const target of ["tollgate", "undici forwarder", "tollgate (functions path)"]) {
      const row = throughput.split("\n").find((line) => line.startsWith(`| ${target} |`)) ?? "";
      // Linux shows a process's CPU time in /proc; every process does some work per request.
      expect(Number(row.split(" | ")[column]), target).toBeGreaterThan(0);
    }
  });

  it("runs tollgate's core alone beside forwardRequest alone, CPU per request each round", () => {
    const core = report.slice(report.indexOf("## The core alone"), report.indexOf("## Added latency"));
    const rows = core.split("\n").filter((line) => /^\| (\d+|\*\*median\*\*) \|/.test(line));
    // Two rounds in a quick run, then the medians.
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const [gate, forward] = row
        .split(" | ")
        .slice(1, 3)
        .map((cell) => Number(cell.replace(/[*| ]/g, "")));
      // The whole exchange costs CPU either way; the checks only add to it.
      expect(forward, row).toBeGreaterThan(0);
      expect(gate, row).toBeGreaterThan(0);
    }
  });

  it("profiles a start of tollgate and of each floor, and charges its time part by part", () => {
    const cold = report.slice(report.indexOf("### Where a start's time goes"), report.indexOf("## Memory"));
    const header = cold.split("\n").find((line) => line.startsWith("| Part of the start")) ?? "";
    expect(header).toContain("tollgate (local host)");
    expect(header).toContain("functions forwarder (functions path floor)");
    const total = cold.split("\n").find((line) => line.startsWith("| **spawn → first allowed**")) ?? "";
    const totals = total
      .split(" | ")
      .slice(1)
      .map((cell) => Number(cell.replace(/[*| ]/g, "")));
    expect(totals).toHaveLength(4);
    for (const ms of totals) expect(ms).toBeGreaterThan(0);
    // A start is work: the compile and run rows carry time for tollgate.
    const running = cold.split("\n").find((line) => line.startsWith("| running the app's code")) ?? "";
    expect(Number(running.split(" | ")[1])).toBeGreaterThan(0);
  });

  it("says, for each goal missed, what the same run's floors show about it", () => {
    const targets = report.slice(report.indexOf("## Targets"), report.indexOf("## Throughput"));
    const missed = targets
      .split("\n")
      .filter((line) => line.includes("**MISS**"))
      .map((line) => line.split(" | ")[0]?.replace(/^\| /, ""));
    for (const target of missed) {
      expect(targets, `an explanation for ${target}`).toContain(`- **${target}.** `);
    }
  });

  it("places the tail inside or outside each process: its own event-loop delay, beside both floors", () => {
    const tail = report.slice(report.indexOf("## The tail"), report.indexOf("## Where the time goes"));
    for (const variant of [
      "local host",
      "functions path",
      "undici forwarder (floor)",
      "functions forwarder",
    ]) {
      const row = tail.split("\n").find((line) => line.startsWith(`| ${variant}`));
      expect(row, variant).toBeDefined();
      // The event-loop delay column: p99 / max, measured by the preloaded probe.
      expect(row).toMatch(/\| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \|$/);
    }
    // The next burst after a quiet spell, as deployed and with V8's memory reducer left on.
    const idle = tail.split("\n").filter((line) => /a burst after \d+ s idle \| [\d,]+ \|/.test(line));
    expect(idle.map((line) => line.includes("memory reducer on"))).toEqual([false, true]);
    // A new instance's first burst, tollgate beside the library's own floor, each with answers.
    const fresh = tail
      .split("\n")
      .filter((line) => /a fresh process's first burst \| [1-9][\d,]* \|/.test(line));
    expect(fresh.map((line) => line.startsWith("| functions forwarder"))).toEqual([false, true]);
  });

  it("checks where the keys came from in both cold starts", () => {
    expect(report).toContain("Table snapshot (issuer not asked)");
    expect(report).toMatch(/issuer \(\d+ JWKS requests?\)/);
  });

  it("links the latency plot, an SVG with a curve per target", () => {
    expect(report).toContain("](latency.svg)");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trim()).toMatch(/<\/svg>$/);
    for (const target of ["direct (no proxy)", "tollgate", "fastify peer"]) {
      expect(svg).toContain(`data-target="${target}"`);
    }
  });

  it("prints the report too", () => {
    expect(printed).toContain("# tollgate benchmarks");
  });
});
