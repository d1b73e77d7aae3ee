// Throughput of every target: a warm-up each, then the runs, targets interleaved and the order
// reversed every other round, so a noisy moment on the machine does not land on one target only
// and each target is measured next to the one its goal compares it with, in every round.

import type { BenchContext } from "../lib/context.js";
import { processCpuMs } from "../lib/process-cpu.js";
import type { TargetId, ThroughputResult } from "../lib/results.js";
import { median, type ThroughputRun, throughputRun, warmUp } from "../lib/throughput.js";

// Each comparison's pair sits side by side: tollgate's no-check layer and the undici forwarder,
// the undici forwarder, tollgate and the fastify peer; on the Functions path tollgate's no-check
// layer, the functions forwarder and tollgate, then the same two buffered. Reversing the order
// keeps them side by side.
const ORDER: TargetId[] = [
  "direct",
  "adapterLayer",
  "forwardLayer",
  "undici",
  "tollgate",
  "peer",
  "functionsForwardLayer",
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
  const run = async (id: TargetId, round: number): Promise<ThroughputRun> => {
    const pid = servers[id].pid;
    const cpuBefore = processCpuMs(pid);
    const result = await throughputRun({ ...target(id), seconds: config.throughputSeconds });
    const cpuAfter = processCpuMs(pid);
    const answered = result.requestsPerSecond * config.throughputSeconds;
    const cpu =
      cpuBefore !== undefined && cpuAfter !== undefined && answered > 0
        ? ((cpuAfter - cpuBefore) * 1000) / answered
        : undefined;
    return { ...result, round, ...(cpu !== undefined ? { cpuMicrosPerRequest: cpu } : {}) };
  };
  for (const id of ORDER) await warmUp(target(id), config.throughputWarmSeconds);
  const runs = new Map<TargetId, ThroughputRun[]>(ORDER.map((id) => [id, []]));
  for (let r = 0; r < config.throughputRuns; r++) {
    const order = r % 2 === 0 ? ORDER : [...ORDER].reverse();
    for (const id of order) {
      const result = await run(id, r);
      runs.get(id)?.push(result);
      log(`throughput ${id} run ${r + 1}: ${Math.round(result.requestsPerSecond)} req/s`);
    }
  }
  return ORDER.map((id) => {
    const list = runs.get(id) ?? [];
    return { target: id, runs: list, median: median(list.map((result) => result.requestsPerSecond)) };
  });
}
