// Where the time goes: self time per function and per part of the code from a V8 .cpuprofile
// (what `node --cpu-prof` writes), for the report's profile section.

import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime?: number;
  endTime?: number;
}

export interface ProfileEntry {
  name: string;
  /** Share of all samples, in percent (self or total, as the list says). */
  percent: number;
}

export interface ProfileSummary {
  /** Wall time the profile covers. */
  totalMs: number;
  samples: number;
  /** Share of time the process was busy (not idle), in percent. */
  busyPercent: number;
  /** Self time per function. */
  functions: ProfileEntry[];
  /** Self time per part of the code (a folder of tollgate's, a package, Node). */
  areas: ProfileEntry[];
  /** Time with the function on the stack (itself and what it calls), tollgate's own code only. */
  ownInclusive: ProfileEntry[];
}

/** tollgate's own code, as opposed to Node, packages and the benchmark. */
function isOwn(url: string): boolean {
  const path = ownPath(url);
  return !path.includes("/node_modules/") && /\/(shared|tools|functions)\//.test(path);
}

/** The part of the code a script URL belongs to: tollgate's folders, a package, or Node itself. */
export function areaOf(rawUrl: string, functionName: string): string {
  if (rawUrl === "") return functionName.startsWith("(") ? functionName : "(native)";
  const url = ownPath(rawUrl);
  if (url.startsWith("node:")) {
    // node:internal is most of Node: keep the next level (streams, webstreams, deps/undici…).
    const parts = url.slice(5).split("/");
    const depth = parts[0] === "internal" ? (parts[1] === "deps" ? 3 : 2) : 1;
    return `node:${parts.slice(0, Math.min(depth, parts.length - 1) || 1).join("/")}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /\/(shared|tools|functions)\/(?:([^/]+)\/)?/.exec(url);
  if (own?.[1]) return own[2] && !own[2].includes(".") ? `${own[1]}/${own[2]}` : own[1];
  return url.split("/").slice(-2).join("/");
}

/** The benchmark runs tollgate compiled under node_modules/.cache: name its files by their source path. */
function ownPath(url: string): string {
  return url.replace(/^.*\/node_modules\/\.cache\/tollgate-bench\/\d+\//, "/");
}

function shortUrl(raw: string): string {
  const url = ownPath(raw);
  const pkg = /node_modules\/(.*)$/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /\/((?:shared|tools|functions|bench)\/.*)$/.exec(url);
  if (own?.[1]) return own[1];
  return url.replace(/^file:\/\//, "");
}

export function summariseProfileFile(file: string, top = 15): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(file, "utf8")), top);
}

export function summariseProfile(data: unknown, top = 15): ProfileSummary {
  const profile = data as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfCount = new Map<number, number>();
  const samples = profile.samples ?? [];
  // Every sample weighs the same: one tick of the sampler. Summing timeDeltas instead would charge
  // whatever function was running when the OS took the core away (a loaded machine) with the
  // whole time the process waited, which is not time it spent.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const nameOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    if (url === "") return functionName || "(anonymous)";
    // tsx hands V8 its transform of a .ts file, whose line numbers are not the source's.
    const line = url.endsWith(".ts") ? "" : `:${lineNumber + 1}`;
    return `${functionName || "(anonymous)"} ${shortUrl(url)}${line}`;
  };
  const inclusive = new Map<string, number>();
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    selfCount.set(id, (selfCount.get(id) ?? 0) + 1);
    // Charge the sample once to every own function on its stack (once: recursion counts once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node === undefined || !isOwn(node.callFrame.url)) continue;
      const name = nameOf(node);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    }
  }
  let total = 0;
  let idle = 0;
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, count] of selfCount) {
    const node = byId.get(id);
    if (node === undefined) continue;
    total += count;
    const { functionName, url } = node.callFrame;
    if (functionName === "(idle)") {
      idle += count;
      continue;
    }
    const name = nameOf(node);
    functions.set(name, (functions.get(name) ?? 0) + count);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + count);
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, percent: total > 0 ? (100 * count) / total : 0 }));
  return {
    totalMs: ((profile.endTime ?? 0) - (profile.startTime ?? 0)) / 1000,
    samples: total,
    busyPercent: total > 0 ? (100 * (total - idle)) / total : 0,
    functions: rank(functions),
    areas: rank(areas),
    ownInclusive: rank(inclusive),
  };
}
