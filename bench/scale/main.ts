// The scale model's entry point: `npm run bench:scale` runs every scenario family at 1, 10, 50,
// 200 and 1,000 instances and writes bench/SCALE.md, bench/scale.svg and bench/scale.json;
// `-- --quick` runs 1, 10 and 50 instances for a shorter time (npm test checks its invariants);
// `-- --out DIR` writes there instead; `-- --report-only` writes the report again from scale.json.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AzuriteLatency, measureAzurite } from "./calibrate.js";
import { SCALE_PANELS, scaleMarkdown } from "./report.js";
import { runScenario } from "./run-scenario.js";
import { scaleSvg } from "./scale-svg.js";
import { FAMILIES, FULL_SIZES, QUICK_SIZES } from "./scenarios.js";
import { type Summary, summarize } from "./summarize.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const outIndex = args.indexOf("--out");
const outDir = outIndex >= 0 ? (args[outIndex + 1] as string) : fileURLToPath(new URL("..", import.meta.url));
const sizes = quick ? QUICK_SIZES : FULL_SIZES;
// Long enough for the once-a-minute jobs (key snapshot checks, lifetime flushes) to show.
const durationSeconds = quick ? 30 : 70;

// `--report-only`: write SCALE.md and the plot again from the last scale.json, without running.
const reportOnly = args.includes("--report-only");
const previous = reportOnly
  ? (JSON.parse(readFileSync(join(outDir, "scale.json"), "utf8")) as {
      summaries: Summary[];
      azurite?: AzuriteLatency;
    })
  : undefined;
const summaries: Summary[] = previous?.summaries ?? [];
// The full run measures Azurite on this machine for the calibration section (not --quick: npm
// test checks invariants, not latencies).
const azurite = previous?.azurite ?? (quick || reportOnly ? undefined : await measureAzurite());
for (const family of reportOnly ? [] : FAMILIES) {
  for (const instances of family.sizes ?? sizes) {
    const summary = summarize(family.name, await runScenario(family.make(instances, durationSeconds)));
    summaries.push(summary);
    process.stdout.write(
      `${summary.name}: max admitted ${summary.maxAdmitted}/${summary.limit}, refused under limit ${(summary.refusedUnderLimit * 100).toFixed(1)}%, peak partition ${summary.peakPartitionOpsPerSecond}/s, 503 ${summary.busy503}, p99 ${summary.p99Ms.toFixed(1)} ms (${summary.realSeconds.toFixed(1)} s)\n`,
    );
  }
}

mkdirSync(outDir, { recursive: true });
if (!reportOnly) {
  writeFileSync(
    join(outDir, "scale.json"),
    `${JSON.stringify({ quick, durationSeconds, azurite, summaries }, null, 2)}\n`,
  );
}
writeFileSync(join(outDir, "scale.svg"), scaleSvg(SCALE_PANELS, summaries));
writeFileSync(join(outDir, "SCALE.md"), scaleMarkdown(summaries, { quick, durationSeconds, azurite }));
process.stdout.write(`wrote SCALE.md, scale.svg and scale.json to ${outDir}\n`);
