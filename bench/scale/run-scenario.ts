// Runs one scenario of the scale model: N instances of tollgate's real limiter and background
// jobs on simulated time against the simulated account, callers arriving by a Poisson process
// (or in a burst at a window boundary), and everything the report needs measured on the way.

import { syncIntervalMs } from "../../shared/limits/approximate-limiter.js";
import { type LimitPolicy, limitPolicySchema } from "../../shared/limits/limit-policy.js";
import { windowAt } from "../../shared/limits/windows.js";
import type { Principal } from "../../shared/token/principal.js";
import { AZURE_PROFILE, LatencyModel, type LatencyProfile } from "./latency-model.js";
import { SimInstance } from "./sim-instance.js";
import { simTables } from "./sim-table-client.js";
import { SimTableStore, type StoreFault, type ThroughputTargets } from "./sim-table-store.js";
import { SimTime } from "./sim-time.js";
import { seedWorld, simSettings, TENANT } from "./sim-world.js";

/** Microsoft's published targets for Table Storage (bench/scale/SCALE.md cites the page). */
export const TABLE_TARGETS: ThroughputTargets = { partitionPerSecond: 2_000, accountPerSecond: 20_000 };

/**
 * How much staler than the sync interval an instance's view gets: the limiter's timer ticks every
 * 100 ms, and a sync's own round trip takes longer under contention (each 412 costs a jittered
 * backoff of up to 50 ms, a read and a write again): about 200 ms more at 50 instances.
 */
export const SYNC_LAG_MS = 300;

export interface Scenario {
  name: string;
  instances: number;
  mode: "strict" | "approximate";
  /** hot: one budget shared by every caller (`key: []`). per-caller: one budget per client app. */
  key: "hot" | "per-caller";
  limit: number;
  windowSeconds: number;
  /** Distinct callers (client apps); for per-caller, `overLimitShare` of them ask for twice the limit. */
  callers: number;
  overLimitShare?: number;
  /** Requests per second across the fleet (hot key); per-caller demand follows from the limit. */
  demandPerSecond?: number;
  /** steady: Poisson arrivals. burst: the whole window's demand in its first 200 ms. */
  arrivals: "steady" | "burst";
  /** Strict mode: sub-counters the budget is split over (the policy's `shards`). */
  shards?: number;
  durationSeconds: number;
  /** A share of the instances killed in the middle of the second window. */
  killShare?: number;
  fault?: Omit<StoreFault, "from" | "until"> & { fromSecond: number; seconds: number };
  settings?: Record<string, string>;
  latency?: LatencyProfile;
  seed?: number;
}

export interface WindowCount {
  key: string;
  windowStart: number;
  demand: number;
  admitted: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  windows: WindowCount[];
  outcomes: Record<string, number>;
  /** Added decision latency of every request, ms. */
  latencies: Float64Array;
  /** Per table: operations per second over the measured span (after the first window). */
  tableOpsPerSecond: Record<string, number>;
  /** Highest one-second count of operations on any one partition, and on the account. */
  peakPartitionOpsPerSecond: number;
  peakAccountOpsPerSecond: number;
  meanAccountOpsPerSecond: number;
  busy503: number;
  /** 412s over conditional writes to the counters. */
  conflictRate: number;
  /** Approximate mode: the bound (N−1) × per-instance rate × (sync interval + SYNC_LAG_MS). */
  approximateBound?: number;
  realSeconds: number;
}

function principalFor(caller: number): Principal {
  const id = caller.toString(16).padStart(12, "0");
  return {
    tenantId: TENANT,
    objectId: `00000000-0000-0000-0000-${id}`,
    subject: `subject-${caller}`,
    clientAppId: `11111111-0000-0000-0000-${id}`,
    kind: "app",
    scopes: [],
    roles: ["worker"],
    groups: [],
    groupsOverage: false,
    tokenVersion: "2.0",
    audience: "api://tollgate-scale",
    issuedAt: 0,
    expiresAt: 3600,
    caeCapable: false,
  };
}

function exponential(random: () => number, ratePerMs: number): number {
  return -Math.log(1 - random()) / ratePerMs;
}

export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const started = performance.now();
  // Start a little after a window boundary, as a fleet that has been up a while would.
  const startMs = Date.UTC(2026, 0, 1, 12, 0, 0);
  const time = new SimTime(startMs, scenario.seed ?? 20);
  const uninstall = time.install();
  try {
    return await simulate(scenario, time, started);
  } finally {
    uninstall();
  }
}

async function simulate(scenario: Scenario, time: SimTime, started: number): Promise<ScenarioResult> {
  const store = new SimTableStore(
    time,
    new LatencyModel(scenario.latency ?? AZURE_PROFILE, time.random),
    TABLE_TARGETS,
  );
  const tables = simTables(store);
  const settings = simSettings(scenario.settings);
  await time.runFor(seedWorld(settings, tables, time));

  const limit: LimitPolicy = limitPolicySchema.parse({
    requests: scenario.limit,
    window: scenario.windowSeconds,
    key: scenario.key === "hot" ? [] : ["clientApp"],
    mode: scenario.mode,
    shards: scenario.shards ?? 1,
  });
  const windowMs = scenario.windowSeconds * 1000;
  // Instances start over the second before traffic does, as a scale-out would.
  const firstWindow = windowAt(time.now(), scenario.windowSeconds).end + windowMs;
  const instances = Array.from(
    { length: scenario.instances },
    (_, id) => new SimInstance(id, settings, tables, time),
  );
  for (const instance of instances) {
    time.at(firstWindow - windowMs - 1 - 1000 * time.random(), () => void instance.start());
  }

  const windows = new Map<string, WindowCount>();
  const count = (key: string, at: number) => {
    const windowStart = windowAt(at, scenario.windowSeconds).start;
    const id = `${key}\n${windowStart}`;
    let entry = windows.get(id);
    if (entry === undefined) {
      entry = { key, windowStart, demand: 0, admitted: 0 };
      windows.set(id, entry);
    }
    return entry;
  };
  const outcomes: Record<string, number> = {};
  const latencies: number[] = [];
  const principals = Array.from({ length: scenario.callers }, (_, caller) => principalFor(caller));
  const alive = () => instances.filter((instance) => instance.alive);

  const request = (caller: number) => {
    const live = alive();
    const instance = live[Math.floor(time.random() * live.length)];
    const principal = principals[caller];
    if (instance === undefined || principal === undefined) return;
    const arrived = time.now();
    const key = scenario.key === "hot" ? "hot" : `caller-${caller}`;
    count(key, arrived).demand++;
    void instance.decide("scale", limit, principal).then((verdict) => {
      const decided = time.now();
      latencies.push(decided - arrived);
      outcomes[verdict.outcome] = (outcomes[verdict.outcome] ?? 0) + 1;
      if (verdict.outcome === "allow") count(key, decided).admitted++;
    });
  };

  // Demand: a caller's rate per ms, and one arrival process per caller class. Traffic starts a
  // window before the measured span, so the figures are a serving fleet's, not a cold start's.
  const endMs = firstWindow + scenario.durationSeconds * 1000;
  const trafficFrom = firstWindow - windowMs;
  const classes: { callers: number[]; perMs: number }[] = [];
  if (scenario.key === "hot") {
    classes.push({
      callers: principals.map((_, i) => i),
      perMs: (scenario.demandPerSecond ?? scenario.limit / scenario.windowSeconds) / 1000,
    });
  } else {
    const over = Math.round(scenario.callers * (scenario.overLimitShare ?? 0.1));
    const perCallerUnder = (0.5 * scenario.limit) / windowMs;
    const perCallerOver = (2 * scenario.limit) / windowMs;
    const all = principals.map((_, i) => i);
    classes.push({ callers: all.slice(over), perMs: perCallerUnder * (scenario.callers - over) });
    if (over > 0) classes.push({ callers: all.slice(0, over), perMs: perCallerOver * over });
  }
  for (const cls of classes) {
    if (scenario.arrivals === "burst") {
      // Each window's demand arrives in its first 200 ms: the boundary every instance sees at once.
      for (let w = trafficFrom; w < endMs; w += windowMs) {
        const n = Math.round(cls.perMs * windowMs);
        for (let i = 0; i < n; i++) {
          const caller = cls.callers[Math.floor(time.random() * cls.callers.length)] as number;
          time.at(w + 200 * time.random(), () => request(caller));
        }
      }
    } else {
      const next = () => {
        const caller = cls.callers[Math.floor(time.random() * cls.callers.length)] as number;
        request(caller);
        const at = time.now() + exponential(time.random, cls.perMs);
        if (at < endMs) time.at(at, next);
      };
      time.at(trafficFrom + exponential(time.random, cls.perMs), next);
    }
  }
  if (scenario.killShare !== undefined) {
    time.at(firstWindow + windowMs * 1.5, () => {
      const victims = Math.round(instances.length * (scenario.killShare ?? 0));
      for (const instance of instances.slice(0, victims)) instance.kill();
    });
  }
  if (scenario.fault !== undefined) {
    const from = firstWindow + scenario.fault.fromSecond * 1000;
    store.faults.push({ ...scenario.fault, from, until: from + scenario.fault.seconds * 1000 });
  }
  await time.runUntil(firstWindow - 1);
  store.log.length = 0;
  // Leave time for the last decisions to come back.
  await time.runUntil(endMs + settings.storageTimeoutMs * 2);
  for (const instance of instances) instance.kill();

  return {
    scenario,
    windows: [...windows.values()].filter((w) => w.windowStart >= firstWindow && w.windowStart < endMs),
    outcomes,
    latencies: Float64Array.from(latencies).sort(),
    ...storageFigures(store, firstWindow, endMs),
    ...(scenario.mode === "approximate"
      ? {
          approximateBound:
            (scenario.instances - 1) *
            ((scenario.demandPerSecond ?? scenario.limit / scenario.windowSeconds) / scenario.instances) *
            ((syncIntervalMs(scenario.windowSeconds) + SYNC_LAG_MS) / 1000),
        }
      : {}),
    realSeconds: (performance.now() - started) / 1000,
  };
}

function storageFigures(store: SimTableStore, fromMs: number, untilMs: number) {
  const seconds = (untilMs - fromMs) / 1000;
  const perTable: Record<string, number> = {};
  const perPartitionSecond = new Map<string, number>();
  const perAccountSecond = new Map<number, number>();
  let busy503 = 0;
  let conflicts = 0;
  let counterWrites = 0;
  let total = 0;
  for (const op of store.log) {
    if (op.at < fromMs || op.at >= untilMs) continue;
    total++;
    perTable[op.table] = (perTable[op.table] ?? 0) + 1;
    const second = Math.floor(op.at / 1000);
    const pid = `${op.table}\n${op.partition}\n${second}`;
    perPartitionSecond.set(pid, (perPartitionSecond.get(pid) ?? 0) + 1);
    perAccountSecond.set(second, (perAccountSecond.get(second) ?? 0) + 1);
    if (op.status === 503) busy503++;
    if (op.table.toLowerCase().endsWith("limits")) {
      if (op.status === 412) conflicts++;
      if (op.op === "updateEntity") counterWrites++;
    }
  }
  const tableOpsPerSecond: Record<string, number> = {};
  for (const [table, n] of Object.entries(perTable)) tableOpsPerSecond[table] = n / seconds;
  return {
    tableOpsPerSecond,
    peakPartitionOpsPerSecond: Math.max(0, ...perPartitionSecond.values()),
    peakAccountOpsPerSecond: Math.max(0, ...perAccountSecond.values()),
    meanAccountOpsPerSecond: total / seconds,
    busy503,
    conflictRate: counterWrites === 0 ? 0 : conflicts / counterWrites,
  };
}
