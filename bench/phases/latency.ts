// Added latency: each target at each fixed rate, open loop, one after the other.

import type { BenchContext } from "../lib/context.js";
import { openLoop } from "../lib/open-loop.js";
import type { LatencyResult } from "../lib/results.js";

export async function measureLatency(context: BenchContext): Promise<LatencyResult[]> {
  const { config, fixture, servers, path, log } = context;
  const sections: LatencyResult[] = [];
  for (const rate of config.rates) {
    const rows: LatencyResult["rows"] = [];
    for (const id of config.latencyTargets) {
      const result = await openLoop({
        url: servers[id].url,
        rate,
        warmupSeconds: config.latencyWarmSeconds,
        seconds: config.latencySeconds[rate] ?? 5,
        tokens: fixture.tokens,
        path,
      });
      rows.push({ target: id, result });
      log(`latency ${id} at ${rate}/s: ${result.latenciesUs.length} answers, ${result.failures} failures`);
    }
    sections.push({ rate, rows });
  }
  return sections;
}
