// The targets, judged against one run's results: each as a ratio or a difference measured
// on the same machine in the same run, PASS or MISS, and by how much when missed.

import { percentile } from "./open-loop.js";
import type { ColdStartResult, Results, TargetId } from "./results.js";
import { pairedRatio } from "./throughput.js";

export interface TargetVerdict {
  target: string;
  goal: string;
  measured: string;
  /** undefined: not measured in this run, or not measurable on this machine (`unmeasurable`). */
  pass: boolean | undefined;
  /** Why this run's numbers cannot judge the goal, when they cannot. */
  unmeasurable?: string;
  /** For a miss: how far from the goal. */
  shortfall?: string;
}

const ratio = (value: number) => `${value.toFixed(2)}×`;
const ms = (value: number) => `${value.toFixed(3)} ms`;
const rps = (value: number) => Math.round(value).toLocaleString("en-US");

/** RSS growth from the first to the last sample of the soak that still counts as flat. */
export const FLAT_RSS_GROWTH = 0.1;

function atLeast(target: string, goal: number, value: number, detail: string): TargetVerdict {
  const pass = value >= goal;
  return {
    target,
    goal: `≥ ${ratio(goal)}`,
    measured: `${ratio(value)} (${detail})`,
    pass,
    ...(pass
      ? {}
      : {
          shortfall: `${ratio(goal - value)} short: ${(100 * (1 - value / goal)).toFixed(0)}% below the goal; needs ${(100 * (goal / value - 1)).toFixed(0)}% more`,
        }),
  };
}

function atMost(target: string, goalMs: number, valueMs: number, detail: string): TargetVerdict {
  const pass = valueMs <= goalMs;
  return {
    target,
    goal: `≤ ${goalMs.toFixed(2)} ms`,
    measured: `${ms(valueMs)} (${detail})`,
    pass,
    ...(pass
      ? {}
      : { shortfall: `${ms(valueMs - goalMs)} over the goal (${(valueMs / goalMs).toFixed(1)}× it)` }),
  };
}

const notMeasured = (target: string, goal: string): TargetVerdict => ({
  target,
  goal,
  measured: "not measured in this run",
  pass: undefined,
});

/**
 * An open-loop rate above what a process serves at all (its closed-loop median) measures the
 * queue growing in front of it, not the process: each latency is mostly the wait behind every
 * request before it. On a machine too slow for the rate, an added latency computed from two such
 * queues can come out negative or huge; it says nothing about the goal, so it is not judged.
 */
export function overCapacity(
  rate: number,
  capacities: readonly [name: string, requestsPerSecond: number | undefined][],
): string | undefined {
  const over = capacities.filter(([, capacity]) => capacity !== undefined && capacity < rate);
  if (over.length === 0) return undefined;
  const listed = over.map(([name, capacity]) => `${name} serves ${rps(capacity as number)} req/s`);
  return `${listed.join(" and ")} at most on this machine, below the ${rps(rate)} req/s asked: the latencies measure the queue, not the hop`;
}

function latencyVerdict(
  name: string,
  goalMs: number,
  unmeasurable: string | undefined,
  valueMs: number,
  detail: string,
): TargetVerdict {
  if (unmeasurable === undefined) return atMost(name, goalMs, valueMs, detail);
  return {
    target: name,
    goal: `≤ ${goalMs.toFixed(2)} ms`,
    measured: `${ms(valueMs)} (${detail})`,
    pass: undefined,
    unmeasurable,
  };
}

/**
 * A throughput ratio goal, judged on the median of the rounds' ratios: the throughput phase
 * measures each goal's pair back to back in every round (bench/phases/throughput.ts), and this
 * machine's speed drifts by a third over minutes, which a ratio of the targets' medians (runs
 * up to a minute apart) would mix in.
 */
function throughputVerdict(
  results: Results,
  name: string,
  goal: number,
  subject: TargetId,
  against: TargetId,
): TargetVerdict {
  const of = (id: TargetId) => results.throughput?.find((row) => row.target === id);
  const a = of(subject);
  const b = of(against);
  if (!a || !b) return notMeasured(name, `≥ ${ratio(goal)}`);
  const paired = pairedRatio(a.runs, b.runs);
  if (paired.ratios.length === 0) return notMeasured(name, `≥ ${ratio(goal)}`);
  const rounds =
    paired.ratios.length === 1
      ? "one round"
      : `median of ${paired.ratios.length} rounds, each back to back: ${paired.ratios.map((r) => r.toFixed(2)).join(", ")}`;
  return atLeast(name, goal, paired.median, `${rounds}; medians ${rps(a.median)} vs ${rps(b.median)} req/s`);
}

export function judgeTargets(results: Results): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const tollgate = results.throughput?.find((row) => row.target === "tollgate")?.median;
  verdicts.push(
    throughputVerdict(results, "Throughput vs bare undici forwarder", 0.8, "tollgate", "undici"),
    throughputVerdict(results, "Throughput vs fastify peer", 1.5, "tollgate", "peer"),
  );

  const at1000 = results.latency?.find((row) => row.rate === 1000);
  const direct = at1000?.rows.find((row) => row.target === "direct")?.result;
  const gate = at1000?.rows.find((row) => row.target === "tollgate")?.result;
  for (const [p, goal] of [
    [50, 0.3],
    [99, 2],
  ] as const) {
    const name = `Added latency p${p} at 1,000 req/s`;
    if (direct && gate && direct.latenciesUs.length > 0 && gate.latenciesUs.length > 0) {
      const d = percentile(direct.latenciesUs, p) / 1000;
      const t = percentile(gate.latenciesUs, p) / 1000;
      const unmeasurable = overCapacity(1000, [["tollgate", tollgate]]);
      verdicts.push(latencyVerdict(name, goal, unmeasurable, t - d, `tollgate ${ms(t)} − direct ${ms(d)}`));
    } else {
      verdicts.push(notMeasured(name, `≤ ${goal.toFixed(2)} ms`));
    }
  }

  const token = results.tokenPath;
  const crypto = token?.find((row) => row.name.startsWith("node:crypto"))?.perSecond;
  const cached = token?.find((row) => row.name.includes("cache on"))?.perSecond;
  const uncached = token?.find((row) => row.name.includes("cache off"))?.perSecond;
  verdicts.push(
    crypto !== undefined && cached !== undefined
      ? atLeast(
          "Token path: tollgate validator vs node:crypto verify",
          0.8,
          cached / crypto,
          `cache on; cache off ${uncached === undefined ? "n/a" : ratio(uncached / crypto)}`,
        )
      : notMeasured("Token path: tollgate validator vs node:crypto verify", "≥ 0.80×"),
  );

  verdicts.push(...functionsPathVerdicts(results), ...coldStartVerdicts(results));

  const samples = [...(results.memory?.samples ?? [])].sort((a, b) => a.atSeconds - b.atSeconds);
  const heap = results.memory?.liveHeap;
  const first = samples[0];
  const last = samples.at(-1);
  if (first && last && samples.length >= 2) {
    const max = Math.max(...samples.map((s) => s.rssBytes));
    const growth = last.rssBytes / first.rssBytes - 1;
    const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
    const live =
      heap?.start !== undefined && heap.end !== undefined
        ? `; live heap ${mib(heap.start)} → ${mib(heap.end)}`
        : "";
    const pass = growth <= FLAT_RSS_GROWTH;
    verdicts.push({
      target: `Resident memory over a ${results.config.soakSeconds} s soak at ${results.config.soakRate.toLocaleString("en-US")} req/s`,
      goal: `flat (end ≤ start + ${FLAT_RSS_GROWTH * 100}%)`,
      measured: `RSS ${mib(first.rssBytes)} → ${mib(last.rssBytes)} (${growth >= 0 ? "+" : ""}${(growth * 100).toFixed(1)}%, max ${mib(max)})${live}`,
      pass,
      ...(pass
        ? {}
        : {
            shortfall: `grew ${(growth * 100).toFixed(1)}%, ${((growth - FLAT_RSS_GROWTH) * 100).toFixed(1)} points over`,
          }),
    });
  } else {
    verdicts.push(notMeasured("Resident memory over the soak", "flat"));
  }
  return verdicts;
}

/**
 * On the Functions path the floor is the bare forwarder written as an @azure/functions app and
 * run by the same harness: what the library itself costs is in both and cancels in the ratio.
 */
function functionsPathVerdicts(results: Results): TargetVerdict[] {
  const tp = new Map(results.throughput?.map((row) => [row.target, row.median]));
  const tollgate = tp.get("functionsTollgate");
  const floor = tp.get("functionsFloor");
  const verdicts: TargetVerdict[] = [
    throughputVerdict(
      results,
      "Functions path: throughput vs the functions forwarder",
      0.8,
      "functionsTollgate",
      "functionsFloor",
    ),
  ];
  const at1000 = results.latency?.find((row) => row.rate === 1000);
  const base = at1000?.rows.find((row) => row.target === "functionsFloor")?.result;
  const gate = at1000?.rows.find((row) => row.target === "functionsTollgate")?.result;
  for (const [p, goal] of [
    [50, 0.3],
    [99, 2],
  ] as const) {
    const name = `Functions path: added latency p${p} at 1,000 req/s (vs the functions forwarder)`;
    if (base && gate && base.latenciesUs.length > 0 && gate.latenciesUs.length > 0) {
      const d = percentile(base.latenciesUs, p) / 1000;
      const t = percentile(gate.latenciesUs, p) / 1000;
      const unmeasurable = overCapacity(1000, [
        ["tollgate (functions path)", tollgate],
        ["the functions forwarder", floor],
      ]);
      verdicts.push(
        latencyVerdict(name, goal, unmeasurable, t - d, `tollgate ${ms(t)} − forwarder ${ms(d)}`),
      );
    } else {
      verdicts.push(notMeasured(name, `≤ ${goal.toFixed(2)} ms`));
    }
  }
  return verdicts;
}

/** Cold start is absolute (the goals are in ms); the floor rows in the report give the scale. */
function coldStartVerdicts(results: Results): TargetVerdict[] {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  };
  const rows: [NonNullable<ColdStartResult["id"]>, string, number][] = [
    ["local", "Cold start, local host, telemetry off", 300],
    ["localTelemetry", "Cold start, local host, telemetry on", 600],
    ["functions", "Cold start, Functions path, telemetry off", 300],
    ["functionsTelemetry", "Cold start, Functions path, telemetry on", 600],
  ];
  return rows.map(([id, name, goal]) => {
    const row = results.coldStart?.find((r) => r.id === id);
    if (!row || row.runs.length === 0) return notMeasured(name, `≤ ${goal.toFixed(2)} ms`);
    const value = median(row.runs.map((r) => r.firstAllowedMs));
    return atMost(name, goal, value, `median of ${row.runs.length}, spawn → first allowed answer`);
  });
}
