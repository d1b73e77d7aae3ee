// The memory soak: tollgate at a fixed rate for minutes, its resident memory and V8 heap sampled
// as it goes, and its live heap (after a full collection) before and after.

import type { BenchContext } from "../lib/context.js";
import { connectInspector } from "../lib/inspector-profile.js";
import { openLoop } from "../lib/open-loop.js";
import type { MemoryResult, MemorySample } from "../lib/results.js";

export async function soak(context: BenchContext): Promise<MemoryResult> {
  const { config, fixture, servers, path, log } = context;
  const tollgate = servers.tollgate;
  const samples: MemorySample[] = [];
  const inspector = await connectInspector(tollgate).catch(() => undefined);
  const heapUsed = async (collect: boolean): Promise<number | undefined> => {
    if (inspector === undefined) return undefined;
    try {
      if (collect) await inspector.call("HeapProfiler.collectGarbage");
      return (await inspector.call<{ usedSize: number }>("Runtime.getHeapUsage")).usedSize;
    } catch {
      return undefined;
    }
  };
  try {
    const liveHeap: MemoryResult["liveHeap"] = {};
    // Live heap (after a full collection) at both ends only: a forced collection at every sample
    // would show up in the soak's own latency and memory.
    const liveStart = await heapUsed(true);
    if (liveStart !== undefined) liveHeap.start = liveStart;
    let t0 = Date.now();
    const sample = async () => {
      const atSeconds = (Date.now() - t0) / 1000;
      const rssBytes = tollgate.rssBytes();
      const heapUsedBytes = await heapUsed(false);
      samples.push({ atSeconds, rssBytes, ...(heapUsedBytes === undefined ? {} : { heapUsedBytes }) });
    };
    let timer: NodeJS.Timeout | undefined;
    log(`soak: ${config.soakWarmSeconds} s to settle, then ${config.soakSeconds} s at ${config.soakRate}/s`);
    const latency = await openLoop({
      url: tollgate.url,
      rate: config.soakRate,
      // The collection gave memory back to the OS: let the process grow to its working size again
      // before the first sample, or the soak would measure that regrowth.
      warmupSeconds: config.soakWarmSeconds,
      seconds: config.soakSeconds,
      tokens: fixture.tokens,
      path,
      onMeasureStart: () => {
        t0 = Date.now();
        void sample();
        timer = setInterval(() => void sample(), config.soakSampleSeconds * 1000);
      },
    });
    clearInterval(timer);
    samples.sort((a, b) => a.atSeconds - b.atSeconds);
    if ((samples.at(-1)?.atSeconds ?? 0) < config.soakSeconds - 0.5) await sample();
    const liveEnd = await heapUsed(true);
    if (liveEnd !== undefined) liveHeap.end = liveEnd;
    log(`soak: RSS ${samples.map((s) => (s.rssBytes / 1024 ** 2).toFixed(0)).join(" ")} MiB`);
    return { samples, latency, liveHeap };
  } finally {
    inspector?.close();
  }
}
