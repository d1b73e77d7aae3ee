// Turns a scenario's raw counts into the figures the report and the invariants speak of.

import type { ScenarioResult } from "./run-scenario.js";

export interface Summary {
  name: string;
  family: string;
  instances: number;
  mode: string;
  limit: number;
  /** Most admitted in any one window for any one key. */
  maxAdmitted: number;
  /** Most admitted over the limit in any window (0 when never over). */
  overLimit: number;
  /** Of the demand the limit allowed (min(demand, limit) per key and window), the share refused. */
  refusedUnderLimit: number;
  peakPartitionOpsPerSecond: number;
  peakAccountOpsPerSecond: number;
  meanAccountOpsPerSecond: number;
  busy503: number;
  conflictRate: number;
  p50Ms: number;
  p99Ms: number;
  /** Operations per second per background table, across all instances. */
  tableOpsPerSecond: Record<string, number>;
  approximateBound?: number;
  storageClosed: number;
  storageOpen: number;
  realSeconds: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function summarize(family: string, result: ScenarioResult): Summary {
  const { scenario } = result;
  let maxAdmitted = 0;
  let overLimit = 0;
  let allowed = 0;
  let missed = 0;
  for (const w of result.windows) {
    maxAdmitted = Math.max(maxAdmitted, w.admitted);
    overLimit = Math.max(overLimit, w.admitted - scenario.limit);
    const due = Math.min(w.demand, scenario.limit);
    allowed += due;
    missed += Math.max(0, due - w.admitted);
  }
  return {
    name: scenario.name,
    family,
    instances: scenario.instances,
    mode: scenario.mode,
    limit: scenario.limit,
    maxAdmitted,
    overLimit,
    refusedUnderLimit: allowed === 0 ? 0 : missed / allowed,
    peakPartitionOpsPerSecond: result.peakPartitionOpsPerSecond,
    peakAccountOpsPerSecond: result.peakAccountOpsPerSecond,
    meanAccountOpsPerSecond: result.meanAccountOpsPerSecond,
    busy503: result.busy503,
    conflictRate: result.conflictRate,
    p50Ms: percentile(result.latencies, 50),
    p99Ms: percentile(result.latencies, 99),
    tableOpsPerSecond: result.tableOpsPerSecond,
    ...(result.approximateBound === undefined ? {} : { approximateBound: result.approximateBound }),
    storageClosed: result.outcomes.storage_closed ?? 0,
    storageOpen: result.outcomes.storage_open ?? 0,
    realSeconds: result.realSeconds,
  };
}
