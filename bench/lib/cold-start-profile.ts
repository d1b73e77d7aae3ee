// Where a cold start's time goes: a CPU profile of one start (node --cpu-prof), from spawn to the
// first allowed answer, each sample charged to one part — Node's own start, its built-in modules,
// V8 compiling the app's code, running it, garbage collection, or waiting (idle). The profile's
// timestamps and this process's hrtime are the same monotonic clock, so the start can be cut at
// the moment the answer arrived, before the shutdown that writes the profile.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const COLD_START_PARTS = [
  "Node's start before the profiler began",
  "Node's bootstrap and module loader",
  "Node's built-in modules (compiled and run on first use)",
  "V8 compiling the app's code (and its packages')",
  "running the app's code (modules, settings, Table reads, first request)",
  "garbage collection",
  "idle (waiting for Azurite, the issuer or the backend)",
] as const;

export type ColdStartPart = (typeof COLD_START_PARTS)[number];

export interface ColdStartProfile {
  /** Milliseconds per part, spawn to first allowed answer. */
  parts: Record<ColdStartPart, number>;
  totalMs: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const COMPILING = new Set(["compileSourceTextModule", "compileFunctionForCJSLoader", "wrapSafe"]);

function partOf(frames: readonly { functionName: string; url: string }[]): ColdStartPart {
  const top = frames[0];
  if (top?.functionName === "(idle)") return "idle (waiting for Azurite, the issuer or the backend)";
  if (top?.functionName === "(garbage collector)") return "garbage collection";
  if (frames.some((f) => f.functionName === "compileForInternalLoader")) {
    return "Node's built-in modules (compiled and run on first use)";
  }
  if (
    frames.some(
      (f) => COMPILING.has(f.functionName) || (f.functionName === "compileFunction" && f.url === ""),
    )
  ) {
    return "V8 compiling the app's code (and its packages')";
  }
  if (frames.some((f) => f.url.startsWith("file:") || f.url.startsWith("/"))) {
    return "running the app's code (modules, settings, Table reads, first request)";
  }
  return "Node's bootstrap and module loader";
}

/** The start from `spawnedAtUs` to `firstAllowedMs` after it, from one profile's samples. */
export function coldStartProfile(
  data: CpuProfile,
  spawnedAtUs: number,
  firstAllowedMs: number,
): ColdStartProfile {
  const parts = Object.fromEntries(COLD_START_PARTS.map((part) => [part, 0])) as Record<
    ColdStartPart,
    number
  >;
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of data.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const cache = new Map<number, ColdStartPart>();
  const endUs = spawnedAtUs + firstAllowedMs * 1000;
  parts["Node's start before the profiler began"] = Math.max(0, (data.startTime - spawnedAtUs) / 1000);
  let at = data.startTime;
  for (let i = 0; i < data.samples.length; i++) {
    const delta = data.timeDeltas[i] ?? 0;
    if (at + delta > endUs) break;
    at += delta;
    const id = data.samples[i] as number;
    let part = cache.get(id);
    if (part === undefined) {
      const frames = [];
      for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
        const callFrame = byId.get(node)?.callFrame;
        if (callFrame) frames.push(callFrame);
      }
      part = partOf(frames);
      cache.set(id, part);
    }
    // A sample's delta is the time since the one before it: charge it to this sample's part.
    parts[part] += delta / 1000;
  }
  return { parts, totalMs: firstAllowedMs };
}

/** Part by part, the median of several starts' profiles (and the median of their totals). */
export function medianProfile(runs: readonly ColdStartProfile[]): ColdStartProfile {
  const middle = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  };
  const parts = Object.fromEntries(
    COLD_START_PARTS.map((part) => [part, middle(runs.map((run) => run.parts[part]))]),
  ) as Record<ColdStartPart, number>;
  return { parts, totalMs: middle(runs.map((run) => run.totalMs)) };
}

/** The one profile node wrote into `dir`. */
export function readProfile(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
  if (files.length !== 1) throw new Error(`expected one CPU profile in ${dir}, found ${files.length}`);
  return JSON.parse(readFileSync(join(dir, files[0] as string), "utf8")) as CpuProfile;
}
