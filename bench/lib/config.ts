// The run's settings from the command line: quick (a smoke check under a minute) or full
// (under ten minutes), where the report goes, and which parts run.

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PARTS, type Part, type RunConfig } from "./results.js";

export function configFor(argv: string[]): { config: RunConfig; outDir: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      only: { type: "string" },
      profile: { type: "boolean", default: false },
    },
    strict: true,
  });
  const quick = values.quick === true;
  let parts: Part[] = quick ? PARTS.filter((p) => p !== "profile") : [...PARTS];
  if (values.profile && !parts.includes("profile")) parts.push("profile");
  if (values.only !== undefined) {
    const wanted = values.only.split(",").map((p) => p.trim());
    const unknown = wanted.filter((p) => !(PARTS as readonly string[]).includes(p));
    if (unknown.length > 0) {
      throw new Error(`--only: unknown part(s) ${unknown.join(", ")}; parts are ${PARTS.join(", ")}`);
    }
    parts = PARTS.filter((p) => wanted.includes(p));
  }
  const outDir = resolve(values.out ?? fileURLToPath(new URL("..", import.meta.url)));
  const config: RunConfig = quick
    ? {
        mode: "quick",
        parts,
        tokenPool: 500,
        connections: 32,
        // autocannon counts whole seconds; a smoke check needs no more than one.
        throughputWarmSeconds: 1,
        throughputSeconds: 1,
        throughputRuns: 1,
        rates: [1000],
        latencyWarmSeconds: 0.5,
        latencySeconds: { 1000: 2 },
        latencyTargets: ["direct", "tollgate", "peer", "functionsFloor", "functionsTollgate"],
        tokenPathSeconds: 0.5,
        coreRequests: 1000,
        coreRounds: 2,
        coldStartRuns: 1,
        soakRate: 1000,
        soakWarmSeconds: 2,
        soakSeconds: 15,
        soakSampleSeconds: 5,
        profileSeconds: 5,
        tailRate: 500,
        tailWarmSeconds: 1,
        tailSeconds: 3,
        // Too short for the memory reducer to act: it checks that the after-idle rows run.
        tailIdleSeconds: 2,
      }
    : {
        mode: "full",
        parts,
        tokenPool: 1000,
        connections: 32,
        throughputWarmSeconds: 1,
        throughputSeconds: 5,
        throughputRuns: 5,
        rates: [1000, 250],
        // Each target sits idle while the others are measured, and a process that went quiet
        // spends its first seconds regrowing its heap (the tail phase's after-idle rows measure
        // that): the goals are about a process under steady load.
        latencyWarmSeconds: 5,
        latencySeconds: { 1000: 10, 250: 4 },
        // The no-check layer too: it splits tollgate's added latency into the core's hop (the
        // web-standard Request/Response and forwardRequest) and what the checks add on top.
        latencyTargets: [
          "direct",
          "tollgate",
          "peer",
          "undici",
          "forwardLayer",
          "functionsFloor",
          "functionsTollgate",
        ],
        tokenPathSeconds: 2,
        coreRequests: 8000,
        coreRounds: 6,
        coldStartRuns: 3,
        soakRate: 1000,
        // Per-minute state (the access trail's counts, held until the minute's flush) reaches its
        // working size only after a whole minute at the rate: start counting after it.
        soakWarmSeconds: 70,
        soakSeconds: 300,
        soakSampleSeconds: 10,
        profileSeconds: 8,
        tailRate: 500,
        // A fresh process spends its first 10-15 s at this rate compiling its hot path (its CPU per
        // request falls by half to two thirds over them): measure the tail of a warm process.
        tailWarmSeconds: 15,
        tailSeconds: 15,
        // Long enough for V8's memory reducer to act: here it shrank the heap 25 s after the load stopped.
        tailIdleSeconds: 40,
      };
  return { config, outDir };
}
