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

/** A part of tollgate's pipeline, known in a profile by the functions that do it. */
export interface PipelineStep {
  name: string;
  /** What the step does per request, and why it cannot be done once per caller instead. */
  why: string;
  /** Matches a frame (function name and the source path under shared/ or functions/). */
  frames: readonly { fn: string; file: string }[];
}

/**
 * tollgate's per-request steps, each charged with the samples of its functions and everything
 * they call: a sample goes to the innermost step on its stack, so forwarding called from the
 * gateway counts as forwarding, not as the gateway's own time.
 */
export const PIPELINE_STEPS: readonly PipelineStep[] = [
  {
    name: "token (cache lookup, key still published)",
    why: "a verified token costs one Map lookup by its last 43 characters, a comparison of the whole token and a check that its key is still published (a withdrawn key or an expired token must stop working at once); the RSA verification is not in it",
    frames: [
      { fn: "verifiedBefore", file: "shared/token/" },
      { fn: "validateAuthorization", file: "shared/token/" },
    ],
  },
  {
    name: "role map (path checks, rule match)",
    why: "the path checks that keep the matcher and the backend reading one path (encoded slashes, dot segments, overrides) and the first matching rule: both depend on the route, so they run on every request",
    frames: [
      { fn: "authorize", file: "shared/policy/authorize" },
      { fn: "splitRequestPath", file: "shared/policy/" },
      { fn: "methodOverrideRefusal", file: "shared/policy/" },
      { fn: "publicDecision", file: "shared/policy/" },
      { fn: "takesMcpRules", file: "shared/policy/" },
      { fn: "enforceDecision", file: "shared/policy/" },
      { fn: "protectedResourceMetadata", file: "shared/http/" },
    ],
  },
  {
    name: "rate limit (strict)",
    why: "the caller's counter in memory: permits leased from Table Storage in blocks and spent one per request, so the limit holds across instances with no storage call per request",
    frames: [
      { fn: "check", file: "shared/limits/rate-limiter" },
      { fn: "checkNow", file: "shared/limits/rate-limiter" },
    ],
  },
  {
    name: "identity assertion (cached per caller)",
    why: "the signed assertion is signed once per caller and backend and reused until near its expiry: what is left is the lookup",
    frames: [
      { fn: "sign", file: "shared/forward/identity-assertion" },
      { fn: "signedBefore", file: "shared/forward/identity-assertion" },
    ],
  },
  {
    name: "header hygiene and identity headers",
    why: "every caller header is tested against the hop-by-hop, spoofing and underscore rules, and the X-Forwarded-* and identity headers (escaped once per token) are added",
    frames: [{ fn: "buildUpstreamHeaders", file: "shared/forward/" }],
  },
  {
    name: "caller view and bypass defence",
    why: "the caller's address, host and scheme, and the front-end secret check",
    frames: [
      { fn: "callerView", file: "shared/http/" },
      { fn: "checkGatewayBypass", file: "shared/forward/" },
    ],
  },
  {
    name: "decision report (trace id, access trail, lifetimes)",
    why: "a trace id, the per-minute access-trail count and the token-lifetime audit: counted in memory, written at most once a minute",
    frames: [
      { fn: "report", file: "shared/gateway" },
      { fn: "begin", file: "shared/telemetry/" },
    ],
  },
  {
    name: "forwarding (forwardRequest, in the no-check layer too)",
    why: "undici's request and the web Response around the backend's answer; the no-check layer pays it as well",
    frames: [{ fn: "forwardRequest", file: "shared/forward/" }],
  },
  {
    name: "own routes, CORS, RateLimit headers",
    why: "the health and JWKS routes, the CORS check and the RateLimit headers on the answer",
    frames: [
      { fn: "", file: "shared/http/cors" },
      { fn: "", file: "shared/own-routes" },
      { fn: "withHeaders", file: "shared/gateway" },
    ],
  },
  {
    name: "the gateway's own steps",
    why: "the pipeline's own code between the steps: its async function, closures, the decision record",
    frames: [{ fn: "", file: "shared/gateway" }],
  },
  {
    name: "the Functions entry (request and response hand-over)",
    why: "the app's handler: the library's request handed to the core and the Response handed back",
    frames: [{ fn: "", file: "functions/" }],
  },
];

export interface AreaCost {
  /** A part of the code, as `areaOf` names it. */
  name: string;
  /** CPU per request, in µs, at the profiled rate. */
  microsPerRequest: number;
}

/** Every part of the code with its CPU per request (idle left out), for comparing two profiles. */
export function areaCosts(data: unknown, requestsPerSecond: number): AreaCost[] {
  const summary = summariseProfile(data, Number.POSITIVE_INFINITY);
  const profile = data as Profile;
  const seconds = ((profile.endTime ?? 0) - (profile.startTime ?? 0)) / 1e6;
  const requests = requestsPerSecond * seconds;
  if (requests <= 0) return [];
  return summary.areas.map((area) => ({
    name: area.name,
    microsPerRequest: ((area.percent / 100) * seconds * 1e6) / requests,
  }));
}

export interface StepCost {
  name: string;
  why: string;
  /** Share of all samples, in percent. */
  percent: number;
  /** CPU per request, in µs, at the profiled rate. */
  microsPerRequest: number;
}

/** What each pipeline step costs per request, from a profile taken at `requestsPerSecond`. */
export function pipelineCosts(data: unknown, requestsPerSecond: number): StepCost[] {
  const profile = data as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stepOf = new Map<number, string | undefined>();
  const frameStep = (node: ProfileNode): string | undefined => {
    const path = ownPath(node.callFrame.url);
    if (path.includes("/node_modules/")) return undefined;
    const step = PIPELINE_STEPS.find((candidate) =>
      candidate.frames.some(
        (frame) =>
          path.includes(`/${frame.file}`) && (frame.fn === "" || node.callFrame.functionName === frame.fn),
      ),
    );
    return step?.name;
  };
  const counts = new Map<string, number>();
  const samples = profile.samples ?? [];
  for (const id of samples) {
    let step = stepOf.get(id);
    if (!stepOf.has(id)) {
      for (let at: number | undefined = id; at !== undefined && step === undefined; at = parent.get(at)) {
        const node = byId.get(at);
        if (node) step = frameStep(node);
      }
      stepOf.set(id, step);
    }
    if (step !== undefined) counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  const total = samples.length;
  const seconds = ((profile.endTime ?? 0) - (profile.startTime ?? 0)) / 1e6;
  const requests = requestsPerSecond * seconds;
  const microsPerSample = total > 0 ? (seconds * 1e6) / total : 0;
  return PIPELINE_STEPS.map(({ name, why }) => {
    const count = counts.get(name) ?? 0;
    return {
      name,
      why,
      percent: total > 0 ? (100 * count) / total : 0,
      microsPerRequest: requests > 0 ? (count * microsPerSample) / requests : 0,
    };
  });
}

/** The CPU the checks cost per request, from a profile: every step but forwarding and the Functions entry. */
export function checksMicros(steps: readonly StepCost[]): number {
  return steps
    .filter((step) => !step.name.startsWith("forwarding") && !step.name.startsWith("the Functions entry"))
    .reduce((sum, step) => sum + step.microsPerRequest, 0);
}
