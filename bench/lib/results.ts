// What one benchmark run measured: the report and the plot are made from this alone.

import type { ShadowPathResult } from "../shadow-path.js";
import type { TokenPathResult } from "../token-path.js";
import type { ColdStart } from "./cold-start.js";
import type { ColdStartProfile } from "./cold-start-profile.js";
import type { AreaCost, ProfileSummary, StepCost } from "./cpu-profile.js";
import type { Machine } from "./machine.js";
import type { OpenLoopResult } from "./open-loop.js";
import type { ThroughputRun } from "./throughput.js";

export const TARGETS = {
  direct: "direct (no proxy)",
  tollgate: "tollgate",
  peer: "fastify peer",
  undici: "undici forwarder",
  forwardLayer: "tollgate's adapter + forwardRequest, no checks",
  adapterLayer: "tollgate's adapter alone, no backend",
  functionsTollgate: "tollgate (functions path)",
  functionsFloor: "functions forwarder (functions path floor)",
  functionsForwardLayer: "tollgate's Functions adapter + forwardRequest, no checks (functions path)",
  functionsBuffered: "functions forwarder, buffered (no HTTP streaming)",
  functionsTollgateBuffered: "tollgate (functions path), buffered (no HTTP streaming; tsc output)",
} as const;
export type TargetId = keyof typeof TARGETS;

export const PARTS = [
  "throughput",
  "core",
  "latency",
  "token",
  "shadow",
  "cold",
  "memory",
  "tail",
  "profile",
] as const;
export type Part = (typeof PARTS)[number];

/** The core alone (bench/core-path.ts): CPU per request of tollgate's handle and of forwardRequest. */
export interface CorePathResult {
  requests: number;
  concurrency: number;
  rounds: { tollgateUs: number; forwardUs: number }[];
}

export interface RunConfig {
  mode: "quick" | "full";
  parts: Part[];
  tokenPool: number;
  connections: number;
  throughputWarmSeconds: number;
  throughputSeconds: number;
  throughputRuns: number;
  rates: number[];
  latencyWarmSeconds: number;
  latencySeconds: Record<number, number>;
  latencyTargets: TargetId[];
  tokenPathSeconds: number;
  /** Requests per target and round in the core-alone phase, and its rounds. */
  coreRequests: number;
  coreRounds: number;
  coldStartRuns: number;
  soakRate: number;
  /** At the soak's rate, after the live-heap collection and before the first sample. */
  soakWarmSeconds: number;
  soakSeconds: number;
  soakSampleSeconds: number;
  profileSeconds: number;
  /** The tail phase: open-loop rate, warm-up and measured seconds per variant. */
  tailRate: number;
  tailWarmSeconds: number;
  tailSeconds: number;
  /** Quiet seconds before the after-idle variants' measured burst (0: those variants not run). */
  tailIdleSeconds: number;
}

export interface TailResult {
  variant: string;
  answers: number;
  scavenges: number;
  scavengeTotalMs: number;
  scavengeMaxMs: number;
  fullCollections: number;
  fullTotalMs: number;
  fullMaxMs: number;
  /**
   * Measured right after the warm-up, as a burst after tailIdleSeconds without requests, or as
   * the first burst of a process that has seen only its token pool once, slowly (fresh).
   */
  after: "warm-up" | "idle" | "fresh";
  p50Ms: number;
  p99Ms: number;
  /** The process's own event-loop delay over the measured seconds (the probe's). */
  loopDelay?: { p99Ms: number; maxMs: number };
}

export interface ThroughputResult {
  target: TargetId;
  runs: ThroughputRun[];
  median: number;
}

export interface LatencyResult {
  rate: number;
  rows: { target: TargetId; result: OpenLoopResult }[];
}

export interface ColdStartResult {
  /** The rows the targets judge: the local host and the Functions path, telemetry off and on. */
  id?: "local" | "localTelemetry" | "functions" | "functionsTelemetry";
  scenario: string;
  /** Where the keys came from, as checked by counting the issuer's JWKS requests. */
  keysFrom: string;
  runs: ColdStart[];
}

export interface MemorySample {
  atSeconds: number;
  rssBytes: number;
  /** V8 heap in use, from the inspector (Runtime.getHeapUsage); undefined if it could not be read. */
  heapUsedBytes?: number;
}

export interface MemoryResult {
  samples: MemorySample[];
  /** V8 heap in use right after a full collection, before and after the soak. */
  liveHeap: { start?: number; end?: number };
  latency: OpenLoopResult;
}

export interface Results {
  config: RunConfig;
  machine: Machine;
  loadAtEnd: number[];
  date: string;
  elapsedSeconds: number;
  throughput?: ThroughputResult[];
  latency?: LatencyResult[];
  tokenPath?: TokenPathResult[];
  corePath?: CorePathResult;
  shadowPath?: ShadowPathResult[];
  coldStart?: ColdStartResult[];
  /** One profiled start of tollgate and of each floor: where the time from spawn to the first answer went. */
  coldStartProfiles?: { scenario: string; profile: ColdStartProfile }[];
  memory?: MemoryResult;
  profile?: ProfileResult;
  /** The same on the Functions path (the harness and @azure/functions in the same process). */
  tail?: TailResult[];
  functionsProfile?: ProfileResult;
  /** The functions forwarder (the Functions path's floor) profiled the same way, to compare by part. */
  functionsFloorProfile?: ProfileResult;
}

export interface ProfileResult {
  summary: ProfileSummary;
  /** tollgate's pipeline steps, each with its CPU per request (cpu-profile.ts, PIPELINE_STEPS). */
  steps: StepCost[];
  /** Every part of the code with its CPU per request. */
  areas: AreaCost[];
  file: string;
  requestsPerSecond: number;
}
