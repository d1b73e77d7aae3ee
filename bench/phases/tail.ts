// What the tail is made of: the garbage collector's pauses under the same open-loop load, with
// the flags infra/ sets for the worker (tools/loopback/functions-path/worker-node-arguments.ts)
// and with a young generation twice Node's default beside them (the flag tried before, which
// costs the cold start: see that file), on the local host and on the Functions path. Each process prints its collections (--trace-gc); only those during the
// measured seconds count. Counts and pause sums are the process's own, so they hold up on a busy
// machine better than latency percentiles do. Each process also measures its own event-loop delay
// (bench/servers/loop-delay-probe.ts): a tail the loop's delay does not show was spent waiting
// outside the process (for a core, the backend or the client), not in its code. The floors run
// the same way, so what a gateway adds to the tail can be told from what any proxy here has.
// Every variant is warmed first (a fresh process's first 10-15 s are its JIT's, not its tail),
// and two after-idle variants show what V8's memory reducer does to the next burst; two
// fresh-process variants show the first burst a new instance meets, before its JIT has run.

import { pathToFileURL } from "node:url";
import {
  LARGER_YOUNG_GENERATION,
  WORKER_NODE_ARGUMENTS,
} from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { bundled, compiled } from "../lib/build.js";
import { startServer } from "../lib/child-server.js";
import {
  type BenchContext,
  FUNCTIONS_HOST,
  LOCAL_HOST,
  LOCAL_HOST_NODE_ARGUMENTS,
  TOLLGATE_FUNCTIONS,
} from "../lib/context.js";
import { openLoop, percentile } from "../lib/open-loop.js";
import type { TailResult } from "../lib/results.js";

const WITH_LARGER_YOUNG_GENERATION = [LARGER_YOUNG_GENERATION, ...WORKER_NODE_ARGUMENTS];
const WITH_MEMORY_REDUCER = WORKER_NODE_ARGUMENTS.filter((flag) => flag !== "--no-memory-reducer");

interface Variant {
  name: string;
  entry: string;
  env: Record<string, string>;
  nodeArgs: string[];
  /** Measured as a burst after config.tailIdleSeconds without requests. */
  idle?: boolean;
  /**
   * Measured as the first burst of a new process: before it, only the token pool once at a
   * quarter of the rate, so no token is verified for the first time during the burst. What a
   * scaled-out instance meets: its hot path not yet compiled.
   */
  fresh?: boolean;
}
const LOOP_DELAY_PROBE = ["--import", pathToFileURL(compiled("bench/servers/loop-delay-probe.ts")).href];

/** The probe's last `loop-delay {json}` line in `text`. */
export function loopDelayOf(text: string): TailResult["loopDelay"] {
  const line = text.split("\n").findLast((l) => l.startsWith("loop-delay "));
  if (line === undefined) return undefined;
  const { p99, max } = JSON.parse(line.slice("loop-delay ".length)) as { p99: number; max: number };
  return { p99Ms: p99, maxMs: max };
}

/** Pauses in ms of the collections in `lines` (V8's --trace-gc format), by kind. */
export function gcPauses(lines: string[]): { scavengeMs: number[]; fullMs: number[] } {
  const scavengeMs: number[] = [];
  const fullMs: number[] = [];
  for (const line of lines) {
    const pause = /MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/.exec(line)?.[1];
    if (pause === undefined) continue;
    if (/Scavenge|Minor Mark/.test(line)) scavengeMs.push(Number(pause));
    else if (/Mark-Compact|Mark-sweep/.test(line)) fullMs.push(Number(pause));
  }
  return { scavengeMs, fullMs };
}

export async function measureTail(context: BenchContext): Promise<TailResult[]> {
  const { config, fixture, servers, mainPrefix, path, log } = context;
  const env = fixture.tollgateEnv(mainPrefix, servers.direct.url);
  const functionsApp = {
    FUNCTIONS_APP: TOLLGATE_FUNCTIONS.map(bundled)
      .map((file) => compiled(file))
      .join(","),
  };
  const functionsAsDeployed = { entry: FUNCTIONS_HOST, env: { ...env, ...functionsApp } };
  const floorAsDeployed = {
    entry: FUNCTIONS_HOST,
    env: {
      FUNCTIONS_APP: compiled(bundled("bench/servers/functions-forwarder.ts")),
      BENCH_BACKEND_URL: servers.direct.url,
      BENCH_STREAM: "true",
    },
    nodeArgs: WORKER_NODE_ARGUMENTS,
  };
  const variants: Variant[] = [
    {
      name: `local host, ${LOCAL_HOST_NODE_ARGUMENTS.join(" ")} (as \`npm run serve\`)`,
      entry: LOCAL_HOST,
      env,
      nodeArgs: LOCAL_HOST_NODE_ARGUMENTS,
    },
    {
      name: `local host, ${LARGER_YOUNG_GENERATION} added`,
      entry: LOCAL_HOST,
      env,
      nodeArgs: [LARGER_YOUNG_GENERATION, ...LOCAL_HOST_NODE_ARGUMENTS],
    },
    {
      name: `functions path, ${WORKER_NODE_ARGUMENTS.join(" ")} (as deployed)`,
      ...functionsAsDeployed,
      nodeArgs: WORKER_NODE_ARGUMENTS,
    },
    {
      name: `functions path, ${LARGER_YOUNG_GENERATION} added`,
      ...functionsAsDeployed,
      nodeArgs: WITH_LARGER_YOUNG_GENERATION,
    },
    {
      name: `undici forwarder (floor), ${LOCAL_HOST_NODE_ARGUMENTS.join(" ")}`,
      entry: "bench/servers/undici-forwarder.ts",
      env: { BENCH_BACKEND_URL: servers.direct.url },
      nodeArgs: LOCAL_HOST_NODE_ARGUMENTS,
    },
    {
      name: "functions forwarder (functions path floor), as deployed",
      ...floorAsDeployed,
    },
  ];
  if (config.tailIdleSeconds > 0) {
    // What an instance that went quiet meets on the next burst: the same warm-up, no request for
    // tailIdleSeconds, then the measured seconds straight away.
    const idle = `a burst after ${config.tailIdleSeconds} s idle`;
    variants.push(
      {
        name: `functions path, as deployed, ${idle}`,
        ...functionsAsDeployed,
        nodeArgs: WORKER_NODE_ARGUMENTS,
        idle: true,
      },
      {
        name: `functions path, as deployed but with V8's memory reducer on, ${idle}`,
        ...functionsAsDeployed,
        nodeArgs: WITH_MEMORY_REDUCER,
        idle: true,
      },
    );
  }
  // A new instance's first burst, beside the floor's: the JIT's share of it is in both.
  variants.push(
    {
      name: "functions path, as deployed, a fresh process's first burst",
      ...functionsAsDeployed,
      nodeArgs: WORKER_NODE_ARGUMENTS,
      fresh: true,
    },
    {
      name: "functions forwarder (functions path floor), as deployed, a fresh process's first burst",
      ...floorAsDeployed,
      fresh: true,
    },
  );
  const rows: TailResult[] = [];
  for (const variant of variants) {
    const server = await startServer(`tail: ${variant.name}`, {
      entry: variant.entry,
      env: variant.env,
      nodeArgs: ["--trace-gc", ...LOOP_DELAY_PROBE, ...variant.nodeArgs],
    });
    const probe = () => process.kill(server.pid, "SIGUSR2");
    try {
      let mark = 0;
      const load = { url: server.url, rate: config.tailRate, tokens: fixture.tokens, path };
      if (variant.fresh) {
        const slow = config.tailRate / 4;
        await openLoop({ ...load, rate: slow, seconds: fixture.tokens.length / slow });
      }
      if (variant.idle) {
        await openLoop({ ...load, seconds: config.tailWarmSeconds });
        // The scenario is the quiet period itself: a duration, not a condition to wait for.
        await new Promise((resolve) => setTimeout(resolve, config.tailIdleSeconds * 1000));
      }
      const result = await openLoop({
        ...load,
        warmupSeconds: variant.idle || variant.fresh ? 0 : config.tailWarmSeconds,
        seconds: config.tailSeconds,
        onMeasureStart: () => {
          mark = server.output().length;
          probe();
        },
      });
      const before = server.output().length;
      probe();
      // The probe answers on its own schedule: wait for its line, not for a duration.
      await waitFor(() => server.output().slice(before).includes("loop-delay "), 10_000);
      const loopDelay = loopDelayOf(server.output().slice(before));
      const { scavengeMs, fullMs } = gcPauses(server.output().slice(mark).split("\n"));
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      rows.push({
        variant: variant.name,
        answers: result.latenciesUs.length,
        scavenges: scavengeMs.length,
        scavengeTotalMs: sum(scavengeMs),
        scavengeMaxMs: Math.max(0, ...scavengeMs),
        fullCollections: fullMs.length,
        fullTotalMs: sum(fullMs),
        fullMaxMs: Math.max(0, ...fullMs),
        after: variant.idle ? "idle" : variant.fresh ? "fresh" : "warm-up",
        p50Ms: percentile(result.latenciesUs, 50) / 1000,
        p99Ms: percentile(result.latenciesUs, 99) / 1000,
        ...(loopDelay ? { loopDelay } : {}),
      });
      log(
        `tail ${variant.name}: ${scavengeMs.length} scavenges (${sum(scavengeMs).toFixed(1)} ms), ${fullMs.length} full, loop delay p99 ${loopDelay?.p99Ms ?? "?"} ms`,
      );
    } finally {
      await server.stop();
    }
  }
  return rows;
}

async function waitFor(condition: () => boolean, boundMs: number): Promise<void> {
  const until = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`the loop-delay probe did not answer within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
