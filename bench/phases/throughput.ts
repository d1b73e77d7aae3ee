// Throughput of every target: a warm-up each, then the runs, targets interleaved and the order
// rotated per run, so a noisy moment on the machine does not land on one target only.

import type { BenchContext } from "../lib/context.js";
import type { TargetId, ThroughputResult } from "../lib/results.js";
import { median, type ThroughputRun, throughputRun, warmUp } from "../lib/throughput.js";

const ORDER: TargetId[] = [
  "direct",
  "undici",
  "tollgate",
  "peer",
  "forwardLayer",
  "adapterLayer",
  "functionsFloor",
  "functionsTollgate",
  "functionsBuffered",
  "functionsTollgateBuffered",
];

export async function measureThroughput(context: BenchContext): Promise<ThroughputResult[]> {
  const { config, fixture, servers, path, log } = context;
  const target = (id: TargetId) => ({
    url: servers[id].url,
    tokens: fixture.tokens,
    path,
    connections: config.connections,
  });
  const run = (id: TargetId, seconds: number) => throughputRun({ ...target(id), seconds });
  for (const id of ORDER) await warmUp(target(id), config.throughputWarmSeconds);
  const runs = new Map<TargetId, ThroughputRun[]>(ORDER.map((id) => [id, []]));
  for (let r = 0; r < config.throughputRuns; r++) {
    for (let k = 0; k < ORDER.length; k++) {
      const id = ORDER[(k + r) % ORDER.length] as TargetId;
      const result = await run(id, config.throughputSeconds);
      runs.get(id)?.push(result);
      log(`throughput ${id} run ${r + 1}: ${Math.round(result.requestsPerSecond)} req/s`);
    }
  }
  return ORDER.map((id) => {
    const list = runs.get(id) ?? [];
    return { target: id, runs: list, median: median(list.map((result) => result.requestsPerSecond)) };
  });
}
