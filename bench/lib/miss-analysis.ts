// For each goal a run missed, what the same run's floors say about it: how much of the gap any
// proxy (or any process) on this machine already has, and how much is tollgate's own. Computed
// from the run, never written by hand, so the explanation cannot drift from the numbers.

import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { COLD_START_PARTS } from "./cold-start-profile.js";
import { LOCAL_HOST_NODE_ARGUMENTS } from "./context.js";
import { checksMicros, type StepCost } from "./cpu-profile.js";
import { percentile } from "./open-loop.js";
import type { Results, TargetId } from "./results.js";
import { judgeTargets } from "./targets.js";
import { median, pairedRatio } from "./throughput.js";

const ratio = (value: number) => `${value.toFixed(2)}×`;
const ms = (value: number) => `${value.toFixed(2)} ms`;

function latencyAt(results: Results, rate: number, target: TargetId, p: number): number | undefined {
  const row = results.latency
    ?.find((section) => section.rate === rate)
    ?.rows.find((r) => r.target === target);
  if (!row || row.result.latenciesUs.length === 0) return undefined;
  return percentile(row.result.latenciesUs, p) / 1000;
}

function added(
  results: Results,
  target: TargetId,
  base: TargetId,
  p: number,
  rate = 1000,
): number | undefined {
  const t = latencyAt(results, rate, target, p);
  const b = latencyAt(results, rate, base, p);
  return t === undefined || b === undefined ? undefined : t - b;
}

function medianFirstAllowed(results: Results, match: (scenario: string) => boolean): number | undefined {
  const row = results.coldStart?.find((r) => match(r.scenario));
  if (!row || row.runs.length === 0) return undefined;
  const sorted = row.runs.map((r) => r.firstAllowedMs).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * What the tail phase's warm rows say about a p99 at 1,000 req/s: the longest full collection of
 * the target and of its floor, and how long the requests queued behind such a pause wait at the
 * share of its capacity that rate takes (pause / (1 − u), as for any single-server queue).
 */
function fullCollectionShare(
  results: Results,
  target: { variant: string; capacity: number | undefined },
  floor: { variant: string; label: string },
): string | undefined {
  const warm = (prefix: string) =>
    results.tail?.find((row) => row.after === "warm-up" && row.variant.startsWith(prefix));
  const row = warm(target.variant);
  const floorRow = warm(floor.variant);
  if (!row || row.fullCollections === 0 || target.capacity === undefined) return undefined;
  const busy = 1000 / target.capacity;
  const floorText = floorRow
    ? ` (${floor.label}: ${floorRow.fullCollections}, longest ${ms(floorRow.fullMaxMs)})`
    : "";
  const wait =
    busy < 1
      ? `at 1,000 req/s the process is busy about ${(100 * busy).toFixed(0)}% of its measured capacity, so the requests that queue behind such a pause wait about ${ms(row.fullMaxMs / (1 - busy))} before the queue is worked off`
      : "at 1,000 req/s the process is at or past its measured capacity, so the queue behind such a pause does not drain";
  return `In the tail phase (warm, ${results.config.tailRate} req/s, ${results.config.tailSeconds} s) it made ${row.fullCollections} full collection(s), the longest stopping it ${ms(row.fullMaxMs)}${floorText}; ${wait}.`;
}

/**
 * A throughput gap turned into CPU per request and set against what the profile charges to the
 * checks, step by step: how much of the gap the checks' own code explains, and which steps lead.
 */
function checksShare(
  steps: readonly StepCost[] | undefined,
  slower: number,
  faster: number,
): string | undefined {
  if (steps === undefined) return undefined;
  const gap = 1e6 / slower - 1e6 / faster;
  const checks = checksMicros(steps);
  const leading = steps
    .filter((step) => !step.name.startsWith("forwarding") && !step.name.startsWith("the Functions entry"))
    .sort((a, b) => b.microsPerRequest - a.microsPerRequest)
    .slice(0, 3)
    .map((step) => `${step.name} ${step.microsPerRequest.toFixed(1)} µs`)
    .join(", ");
  return `Per request that gap is ${gap.toFixed(0)} µs of CPU; the profile charges ${checks.toFixed(0)} µs to the checks' own code (leading: ${leading}) and the rest is what they add around it (their garbage, the extra header bytes written and parsed). Each step and why it runs per request: "tollgate's steps, per request" below.`;
}

/** The median CPU per request of a target's throughput runs, where the platform showed it. */
function cpuMicros(results: Results, target: TargetId): number | undefined {
  const runs = results.throughput?.find((row) => row.target === target)?.runs ?? [];
  const values = runs.flatMap((run) =>
    run.cpuMicrosPerRequest === undefined ? [] : [run.cpuMicrosPerRequest],
  );
  return values.length === 0 ? undefined : median(values);
}

/** The CPU each of two targets spent per request in the throughput runs, side by side. */
function cpuComparison(
  results: Results,
  target: TargetId,
  base: TargetId,
  baseName: string,
): string | undefined {
  const t = cpuMicros(results, target);
  const b = cpuMicros(results, base);
  if (t === undefined || b === undefined) return undefined;
  return `In the throughput runs its process spent ${t.toFixed(0)} µs of CPU per request (all threads) against ${b.toFixed(0)} µs for ${baseName}: ${ratio(b / t)} of the requests per CPU second, where the load generator and the backend taking a core do not count.`;
}

/**
 * The profiled starts of tollgate and its floor, part by part: where tollgate's own part of a
 * start goes, and how much of it was waiting rather than work.
 */
function startProfileLine(results: Results, functions: boolean): string | undefined {
  const find = (scenario: string) => results.coldStartProfiles?.find((p) => p.scenario === scenario)?.profile;
  const gate = find(functions ? "tollgate (functions path)" : "tollgate (local host)");
  const floor = find(functions ? "functions forwarder (functions path floor)" : "undici forwarder (floor)");
  if (!gate || !floor) return undefined;
  const more = COLD_START_PARTS.map((part) => ({ part, ms: gate.parts[part] - floor.parts[part] }))
    .filter((d) => d.ms >= 1)
    .sort((a, b) => b.ms - a.ms)
    .map((d) => `${d.part} ${ms(d.ms)}`)
    .join(", ");
  const idle = gate.parts["idle (waiting for Azurite, the issuer or the backend)"];
  return `In the profiled starts (medians ${ms(gate.totalMs)} against ${ms(floor.totalMs)}), tollgate spent more than its floor on: ${more}. It waited ${ms(idle)} of its start: the rest is CPU work, so a start here takes as long as this machine's core needs for it ("Where a start's time goes" below).`;
}

/** What the checks cost with no HTTP server in front (the core-alone phase), for scale. */
function coreChecksLine(results: Results): string | undefined {
  const core = results.corePath;
  if (!core || core.rounds.length === 0) return undefined;
  const checks = median(core.rounds.map((r) => r.tollgateUs - r.forwardUs));
  return `Run in one process with no HTTP server in front, the checks cost ${checks.toFixed(0)} µs of CPU per request ("The core alone" below).`;
}

/**
 * On the Functions path, tollgate's own entry and forwarding with no checks against the floor and
 * against tollgate, round by round: whether the library's conversion or tollgate's checks cost it.
 */
function functionsLayerLine(results: Results): string | undefined {
  const rounds = (id: TargetId) => results.throughput?.find((row) => row.target === id)?.runs ?? [];
  const layerOfFloor = pairedRatio(rounds("functionsForwardLayer"), rounds("functionsFloor"));
  const gateOfLayer = pairedRatio(rounds("functionsTollgate"), rounds("functionsForwardLayer"));
  if (layerOfFloor.ratios.length === 0 || gateOfLayer.ratios.length === 0) return undefined;
  const layerCpu = cpuMicros(results, "functionsForwardLayer");
  const gateCpu = cpuMicros(results, "functionsTollgate");
  const cpu =
    layerCpu === undefined || gateCpu === undefined
      ? ""
      : ` (CPU per request ${layerCpu.toFixed(0)} µs without the checks, ${gateCpu.toFixed(0)} µs with them)`;
  const layer = layerOfFloor.median;
  const reading =
    layer >= 0.95
      ? "the library's conversion and the forwarding cost tollgate no more than they cost the floor"
      : `tollgate's entry and forwarding lose ${(100 * (1 - layer)).toFixed(0)}% before any check`;
  return `tollgate's own Functions entry and forwardRequest with no checks serve ${ratio(layer)} of the floor (round by round): ${reading}. The checks take ${(100 * (1 - gateOfLayer.median)).toFixed(0)}% of that layer${cpu}.`;
}

/** One line per missed goal: the goal's name, then what the run's floors show. */
export function explainMisses(results: Results): { target: string; explanation: string }[] {
  const tp = new Map(results.throughput?.map((row) => [row.target, row.median]));
  const get = (id: TargetId) => tp.get(id);
  const lines: { target: string; explanation: string }[] = [];
  const say = (target: string, parts: (string | undefined)[]) => {
    const explanation = parts.filter((p) => p !== undefined).join(" ");
    if (explanation !== "") lines.push({ target, explanation });
  };
  for (const verdict of judgeTargets(results)) {
    if (verdict.pass !== false) continue;
    const t = verdict.target;
    if (t.startsWith("Throughput vs")) {
      const base = t.includes("undici") ? get("undici") : get("peer");
      const layer = get("forwardLayer");
      const adapter = get("adapterLayer");
      const gate = get("tollgate");
      if (base === undefined || layer === undefined || gate === undefined) continue;
      const rounds = (id: TargetId) => results.throughput?.find((row) => row.target === id)?.runs ?? [];
      const layerShare = pairedRatio(
        rounds("forwardLayer"),
        rounds(t.includes("undici") ? "undici" : "peer"),
      );
      const layerRatio = layerShare.ratios.length > 0 ? layerShare.median : layer / base;
      const gateShare = pairedRatio(rounds("tollgate"), rounds("forwardLayer"));
      const gateOfLayer = gateShare.ratios.length > 0 ? gateShare.median : gate / layer;
      say(t, [
        `tollgate's node:http adapter and forwardRequest with no checks at all reach ${ratio(layerRatio)} of it in this run (round by round)${adapter === undefined ? "" : ` (the adapter answering by itself, no backend: ${ratio(adapter / base)})`}: that is the ceiling of the web-standard Request/Response core every entry point shares — under the Functions host @azure/functions hands tollgate a web Request and takes a web body back, so a Node-stream shortcut would help only the local host.`,
        `The checks (token, role map, strict limit, assertion, headers, telemetry) take the rest: ${(100 * (1 - gateOfLayer)).toFixed(0)}% of that ceiling.`,
        checksShare(results.profile?.steps, gate, layer),
        cpuComparison(
          results,
          "tollgate",
          t.includes("undici") ? "undici" : "peer",
          t.includes("undici") ? "the undici forwarder" : "the fastify peer",
        ),
      ]);
    } else if (t.startsWith("Added latency")) {
      const p = t.includes("p50") ? 50 : 99;
      const undici = added(results, "undici", "direct", p);
      const peer = added(results, "peer", "direct", p);
      const quiet = added(results, "tollgate", "direct", p, 250);
      const quietUndici = added(results, "undici", "direct", p, 250);
      const quietCore = added(results, "forwardLayer", "direct", p, 250);
      const core = added(results, "forwardLayer", "direct", p);
      const gate = added(results, "tollgate", "direct", p);
      say(t, [
        undici === undefined
          ? undefined
          : `In the same run the bare undici forwarder adds ${ms(undici)} and the fastify peer ${peer === undefined ? "n/a" : ms(peer)} at p${p}.`,
        core === undefined || gate === undefined
          ? undefined
          : `tollgate's adapter and forwardRequest with no checks add ${ms(core)}: the web-standard core's own hop, which every entry point shares; the checks add the other ${ms(gate - core)}.`,
        quiet === undefined
          ? undefined
          : `At 250 req/s tollgate adds ${ms(quiet)} (the no-check layer ${quietCore === undefined ? "n/a" : ms(quietCore)}, the undici forwarder ${quietUndici === undefined ? "n/a" : ms(quietUndici)})${p === 50 && quietCore !== undefined && core !== undefined && quietCore > core ? ": every hop costs more when requests are sparse, the same code running on a core that idles between them, so the rate that a goal names matters" : ""}.`,
        p === 99
          ? fullCollectionShare(
              results,
              {
                variant: `local host, ${LOCAL_HOST_NODE_ARGUMENTS.join(" ")} (as`,
                capacity: get("tollgate"),
              },
              { variant: "undici forwarder", label: "the undici forwarder" },
            )
          : undefined,
        p === 99
          ? "The tail phase below shows how much of a tail the process's own event loop was blocked (garbage collection, long tasks) and how much was spent waiting outside it for one of this machine's two cores, which the load generator, the backend, Azurite and the target share."
          : `A hop through any Node proxy costs about what the goal allows on this machine; tollgate's own share of the p50 is the difference to the undici forwarder.`,
      ]);
    } else if (t.startsWith("Functions path: throughput")) {
      const floor = get("functionsFloor");
      const gate = get("functionsTollgate");
      const undici = get("undici");
      const floorBuffered = get("functionsBuffered");
      const gateBuffered = get("functionsTollgateBuffered");
      if (floor === undefined || gate === undefined) continue;
      say(t, [
        undici === undefined
          ? undefined
          : `The functions forwarder itself serves ${ratio(floor / undici)} of the bare undici forwarder's requests: the library's stream proxy (a second HTTP hop inside the worker) and its own Request and Response around every call, with the host's part in the same process here.`,
        coreChecksLine(results),
        functionsLayerLine(results) ??
          `tollgate's checks cost the rest: ${(100 * (1 - gate / floor)).toFixed(0)}% of that floor.`,
        checksShare(results.functionsProfile?.steps, gate, floor),
        floorBuffered === undefined || gateBuffered === undefined
          ? undefined
          : `Buffered (no stream proxy), tollgate serves ${ratio(gateBuffered / floorBuffered)} of its floor.`,
        cpuComparison(results, "functionsTollgate", "functionsFloor", "the functions forwarder"),
        "Throughput runs of one target spread widely on this machine (the runs column), so the goal is judged round by round on the pair measured back to back.",
      ]);
    } else if (t.startsWith("Token path")) {
      say(t, [
        "With the cache off every token is verified afresh (RSA and the Entra rules); the cache-on row is what a repeat caller costs.",
      ]);
    } else if (t.startsWith("Functions path: added latency")) {
      const p = t.includes("p50") ? 50 : 99;
      const floor = added(results, "functionsFloor", "direct", p);
      const floorTp = get("functionsFloor");
      const gateTp = get("functionsTollgate");
      const quiet = added(results, "functionsTollgate", "functionsFloor", p, 250);
      say(t, [
        floor === undefined
          ? undefined
          : `The functions forwarder itself adds ${ms(floor)} over direct at p${p}.`,
        floorTp === undefined || gateTp === undefined
          ? undefined
          : `At 1,000 req/s the harness process (the host's part, @azure/functions and the app, all in one Node process here; in Azure the host is a separate .NET process) runs at ${((100 * 1000) / gateTp).toFixed(0)}% of tollgate's measured capacity on this path (${((100 * 1000) / floorTp).toFixed(0)}% of the forwarder's), so queueing behind the library's own per-request work multiplies every difference.`,
        quiet === undefined ? undefined : `At 250 req/s tollgate adds ${ms(quiet)} over the forwarder.`,
        p === 99
          ? fullCollectionShare(
              results,
              {
                variant: `functions path, ${WORKER_NODE_ARGUMENTS.join(" ")} (as deployed)`,
                capacity: gateTp,
              },
              { variant: "functions forwarder", label: "the functions forwarder" },
            )
          : undefined,
      ]);
    } else if (t.startsWith("Cold start")) {
      const functions = t.includes("Functions path");
      const floor = medianFirstAllowed(results, (s) =>
        functions ? s.startsWith("functions forwarder") : s.startsWith("undici forwarder"),
      );
      const value = Number(/^([\d.]+) ms/.exec(verdict.measured)?.[1]);
      if (floor === undefined || Number.isNaN(value)) continue;
      say(t, [
        `The ${functions ? "functions forwarder" : "undici forwarder"} (a process with nothing to load, read or verify) needs ${ms(floor)} on this machine; tollgate's own part is ${ms(value - floor)}.`,
        t.includes("telemetry off") ? startProfileLine(results, functions) : undefined,
      ]);
    } else if (t.startsWith("Resident memory")) {
      const samples = [...(results.memory?.samples ?? [])].sort((a, b) => a.atSeconds - b.atSeconds);
      const end = samples.at(-1)?.atSeconds ?? 0;
      const half = samples.filter((s) => s.atSeconds >= end / 2);
      const first = half[0];
      const last = half.at(-1);
      if (!first || !last) continue;
      say(t, [
        `Over the second half of the soak resident memory changed ${((last.rssBytes / first.rssBytes - 1) * 100).toFixed(1)}%: growth that stops after the first minutes is the process reaching its working size (per-minute access-trail counts, JIT code), not a leak; growth that continues there is.`,
      ]);
    }
  }
  return lines;
}
