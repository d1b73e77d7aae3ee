// Added latency: each target at each fixed rate, open loop, in rounds with the targets
// interleaved, so every target meets the same machine (see RunConfig.latencyRounds).

import type { BenchContext } from "../lib/context.js";
import { mergeOpenLoop, type OpenLoopResult, openLoop } from "../lib/open-loop.js";
import type { LatencyResult, TargetId } from "../lib/results.js";

export async function measureLatency(context: BenchContext): Promise<LatencyResult[]> {
  const { config, fixture, servers, path, log } = context;
  const rounds = Math.max(1, config.latencyRounds);
  const targets = config.latencyTargets;
  const sections: LatencyResult[] = [];
  for (const rate of config.rates) {
    const seconds = (config.latencySeconds[rate] ?? 5) / rounds;
    const runs = new Map<TargetId, OpenLoopResult[]>(targets.map((id) => [id, []]));
    for (let round = 0; round < rounds; round++) {
      // Each round starts one target later, so none always follows the same neighbour.
      for (let i = 0; i < targets.length; i++) {
        const id = targets[(i + round) % targets.length] as TargetId;
        const result = await openLoop({
          url: servers[id].url,
          rate,
          warmupSeconds: config.latencyWarmSeconds,
          seconds,
          tokens: fixture.tokens,
          path,
        });
        runs.get(id)?.push(result);
      }
    }
    const rows: LatencyResult["rows"] = targets.map((id) => {
      const result = mergeOpenLoop(runs.get(id) ?? []);
      log(`latency ${id} at ${rate}/s: ${result.latenciesUs.length} answers, ${result.failures} failures`);
      return { target: id, result };
    });
    sections.push({ rate, rows });
  }
  return sections;
}
