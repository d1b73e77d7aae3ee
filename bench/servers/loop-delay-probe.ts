// Preloaded (--import) into a target by the tail phase: measures how long the target's event loop
// was kept from running, so a latency tail can be told apart from a busy machine. A blocked loop
// (a long synchronous task, a GC pause) shows here; time the process spent waiting for a core or
// for another process does not. SIGUSR2 starts a measurement; the next SIGUSR2 prints it as one
// line (`loop-delay {json}`) and starts the next.

import { monitorEventLoopDelay } from "node:perf_hooks";

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

process.on("SIGUSR2", () => {
  if (histogram.count > 0) {
    const summary = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      p999: ms(histogram.percentile(99.9)),
      max: ms(histogram.max),
    };
    process.stderr.write(`loop-delay ${JSON.stringify(summary)}\n`);
  }
  histogram.reset();
});
