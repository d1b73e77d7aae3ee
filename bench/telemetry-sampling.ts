// The cost of tollgate's own decision sampling on the request path, in process: one decision
// span's begin and end (as gateway.ts makes them) with the Azure Monitor distro started, in a
// child process per mode because the distro starts once per process:
//   distro    the distro's sampler decides on the trace id (what tollgate did before), every
//             decision starts a span;
//   tollgate  the distro keeps every span it is given, tollgate draws per decision and starts a
//             span only for those it keeps.
// Each at ratio 0.5 and 1. The exporter points at a closed loopback port (nothing is received:
// export is off the request path, batched). Writes bench/TELEMETRY-SAMPLING.md.
//
//   npm run bench:telemetry-sampling

import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";

const DECISIONS = 200_000;
const ROUNDS = 5;
const self = fileURLToPath(import.meta.url);

interface Measured {
  mode: string;
  ratio: number;
  nsPerDecision: number;
}

async function child(mode: "distro" | "tollgate", ratio: number): Promise<void> {
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL = "true";
  const { useAzureMonitor, shutdownAzureMonitor } = await import("@azure/monitor-opentelemetry");
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString:
        "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/",
      disableOfflineStorage: true,
    },
    tracesPerSecond: 0,
    samplingRatio: mode === "distro" ? ratio : 1,
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    instrumentationOptions: { http: { enabled: false }, azureSdk: { enabled: false } },
  });
  const { createOtelTelemetry } = await import("../shared/telemetry/otel-telemetry.js");
  const { createDecisionSampler } = await import("../shared/telemetry/decision-sampler.js");
  const settings = { tracesPerSecond: 0, samplingRatio: ratio, includeObjectId: false };
  const telemetry = createOtelTelemetry(
    settings,
    // Before: every decision got a span and the distro's sampler chose.
    mode === "distro" ? { decide: () => ({ sampled: true, rate: 100 }) } : createDecisionSampler(settings),
  );
  // Callers' trace ids vary: with one fixed id the distro's hash would decide every span alike.
  const requests = Array.from(
    { length: 1024 },
    () =>
      new Request("https://api.contoso.example/orders/42", {
        headers: { traceparent: `00-${randomUUID().replaceAll("-", "")}-00f067aa0ba902b7-01` },
      }),
  );
  const record = { outcome: "deny", reason: "token_missing", status: 401 } as const;
  const best: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < DECISIONS; i++) telemetry.begin(requests[i & 1023] as Request).end(record as never);
    best.push(Number(process.hrtime.bigint() - started) / DECISIONS);
  }
  const measured: Measured = { mode, ratio, nsPerDecision: Math.min(...best.slice(1)) };
  process.stdout.write(`${JSON.stringify(measured)}\n`);
  await shutdownAzureMonitor().catch(() => undefined);
  process.exit(0);
}

/** The draw alone, without the distro: what every decision now pays before any span. */
async function drawAlone(tracesPerSecond: number, samplingRatio: number): Promise<number> {
  const { createDecisionSampler } = await import("../shared/telemetry/decision-sampler.js");
  const sampler = createDecisionSampler({ tracesPerSecond, samplingRatio });
  const draws = 5_000_000;
  let kept = 0;
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < draws; i++) if (sampler.decide().sampled) kept++;
    rounds.push(Number(process.hrtime.bigint() - started) / draws);
  }
  if (kept < 0) throw new Error("unreachable: keeps the loop's work observable");
  return Math.min(...rounds.slice(1));
}

async function main(): Promise<void> {
  const results: Measured[] = [];
  for (const ratio of [0.5, 1]) {
    for (const mode of ["distro", "tollgate"] as const) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, mode, String(ratio)], {
        encoding: "utf8",
      });
      const line = out.trim().split("\n").pop() ?? "";
      results.push(JSON.parse(line) as Measured);
    }
  }
  const of = (mode: string, ratio: number) =>
    results.find((r) => r.mode === mode && r.ratio === ratio)?.nsPerDecision ?? Number.NaN;
  const rows = [0.5, 1].map((ratio) => {
    const before = of("distro", ratio);
    const after = of("tollgate", ratio);
    return `| ${ratio} | ${before.toFixed(0)} | ${after.toFixed(0)} | ${(after / before).toFixed(2)}× |`;
  });
  const report = [
    "# Decision sampling on the request path",
    "",
    "One decision span's begin and end with the Azure Monitor distro started (`bench/telemetry-sampling.ts`),",
    `best of ${ROUNDS - 1} rounds of ${DECISIONS.toLocaleString("en")} decisions, ns per decision. "distro": the`,
    "distro's sampler decides on the trace id and every decision starts a span (before);",
    '"tollgate": tollgate draws per decision and starts a span only for those it keeps (now).',
    "",
    "| ratio | distro (ns) | tollgate (ns) | tollgate / distro |",
    "|---|---|---|---|",
    ...rows,
    "",
    "The draw alone (no distro), ns per decision:",
    "",
    "| sampler | ns |",
    "|---|---|",
    `| fixed share (ratio 0.5) | ${(await drawAlone(0, 0.5)).toFixed(1)} |`,
    `| about N a second (5/s, drawn back to back) | ${(await drawAlone(5, 1)).toFixed(1)} |`,
    "",
    `Load average while it ran: ${loadavg()
      .map((n) => n.toFixed(1))
      .join(", ")} (2 cores). On a loaded machine the span rows vary`,
    "from run to run by more than the modes differ: at ratio 1 the two run the same code. Read them as",
    "the span's cost (µs), against which the draw (ns) is what every decision now adds.",
    "",
  ].join("\n");
  writeFileSync(new URL("./TELEMETRY-SAMPLING.md", import.meta.url), report);
  process.stdout.write(report);
}

const [mode, ratio] = process.argv.slice(2);
if (mode === "distro" || mode === "tollgate") await child(mode, Number(ratio));
else await main();
