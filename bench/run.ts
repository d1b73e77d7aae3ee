// The benchmark: tollgate against the direct path, against the stack a user would build instead
// (fastify + @fastify/jwt + get-jwks + @fastify/rate-limit + @fastify/reply-from) and against a
// bare undici forwarder, in one run on one machine, as ratios. Prints the report and writes it to
// bench/RESULTS.md with the latency plot bench/latency.svg.
//
//   npm run bench                     full: about 18 minutes (3 throughput runs, 5-minute soak)
//   npm run bench -- --quick          smoke check, under a minute
//   npm run bench -- --out DIR        write RESULTS.md and latency.svg to DIR instead
//   npm run bench -- --only token     some parts only: throughput,core,latency,token,shadow,cold,memory,tail,profile
//   npm run bench -- --profile        add the CPU profile to a quick run

import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { corePath } from "./core-path.js";
import { buildBundle, buildServers, removeBuild } from "./lib/build.js";
import type { ChildServer } from "./lib/child-server.js";
import { configFor } from "./lib/config.js";
import type { BenchContext } from "./lib/context.js";
import { type Fixture, freshPrefix, PATH_PREFIX, startFixture } from "./lib/fixture.js";
import { latencySvg } from "./lib/latency-svg.js";
import { describeMachine } from "./lib/machine.js";
import { renderReport } from "./lib/report.js";
import { type Part, type Results, TARGETS } from "./lib/results.js";
import { measureColdStarts, profileColdStarts } from "./phases/cold-starts.js";
import { measureLatency } from "./phases/latency.js";
import { profileHotPath } from "./phases/profile.js";
import { soak } from "./phases/soak.js";
import { startTargets } from "./phases/start-targets.js";
import { measureTail } from "./phases/tail.js";
import { measureThroughput } from "./phases/throughput.js";
import { shadowPath } from "./shadow-path.js";
import { tokenPath } from "./token-path.js";

const began = Date.now();
const log = (line: string) =>
  console.error(`[bench ${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s] ${line}`);
const path = (i: number) => `${PATH_PREFIX}${i % 1000}`;

async function measure(results: Results): Promise<void> {
  const { config } = results;
  const wants = (part: Part) => config.parts.includes(part);
  // Azurite's process is unref'd (tests must not hang on it): hold the event loop open ourselves.
  const keepAlive = setInterval(() => {}, 60_000);
  const started: ChildServer[] = [];
  let fixture: Fixture | undefined;
  try {
    if (config.parts.some((part) => part !== "token" && part !== "shadow")) {
      buildServers();
      await buildBundle();
      fixture = await startFixture(config.tokenPool);
      const mainPrefix = freshPrefix("main");
      await fixture.pushPolicy(mainPrefix);
      const servers = await startTargets(fixture, mainPrefix, path, (server) => started.push(server));
      log(
        `targets up: ${Object.values(servers)
          .map((s) => `${s.name} ${s.url}`)
          .join(", ")}`,
      );
      const context: BenchContext = { config, fixture, servers, mainPrefix, path, log };
      // Cold starts first, while the one Azurite is idle: after the load phases the targets'
      // per-minute writes (the access trail of a thousand callers each) kept it busy for seconds,
      // and the first starts then waited on it (868-3,552 ms against about 200).
      if (wants("cold")) {
        results.coldStart = await measureColdStarts(context);
        results.coldStartProfiles = await profileColdStarts(context);
      }
      if (wants("throughput")) results.throughput = await measureThroughput(context);
      if (wants("core")) {
        results.corePath = await corePath(context);
        log(
          `core alone: ${results.corePath.rounds.map((r) => `${r.tollgateUs.toFixed(0)} / ${r.forwardUs.toFixed(0)} µs`).join(", ")}`,
        );
      }
      if (wants("latency")) results.latency = await measureLatency(context);
      if (wants("memory")) results.memory = await soak(context);
      if (wants("tail")) results.tail = await measureTail(context);
      if (wants("profile")) {
        results.profile = await profileHotPath(context);
        results.functionsProfile = await profileHotPath(context, "functions path");
        results.functionsFloorProfile = await profileHotPath(context, "functions floor");
      }
    }
    if (wants("token")) {
      results.tokenPath = await tokenPath({ seconds: config.tokenPathSeconds, poolSize: config.tokenPool });
      log(`token path: ${results.tokenPath.map((r) => `${r.name} ${Math.round(r.perSecond)}/s`).join("; ")}`);
    }
    if (wants("shadow")) {
      results.shadowPath = shadowPath({ seconds: config.tokenPathSeconds });
      log(
        `shadow path: ${results.shadowPath.map((r) => `${r.name} ${Math.round(r.perSecond)}/s`).join("; ")}`,
      );
    }
  } finally {
    await Promise.allSettled(started.map((server) => server.stop()));
    await fixture?.stop();
    removeBuild();
    clearInterval(keepAlive);
  }
}

async function main(): Promise<void> {
  const { config, outDir } = configFor(process.argv.slice(2));
  const machine = describeMachine();
  const results: Results = {
    config,
    machine,
    loadAtEnd: machine.loadAtStart,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    elapsedSeconds: 0,
  };
  log(`${config.mode} run: ${config.parts.join(", ")}; report to ${outDir}`);
  await measure(results);
  results.loadAtEnd = loadavg();
  results.elapsedSeconds = (Date.now() - began) / 1000;

  const report = renderReport(results);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "RESULTS.md"), report);
  const panels = (results.latency ?? []).map((section) => ({
    title: `Latency at ${section.rate.toLocaleString("en-US")} req/s (open loop)`,
    series: section.rows.map((row) => ({ target: TARGETS[row.target], latenciesUs: row.result.latenciesUs })),
  }));
  writeFileSync(join(outDir, "latency.svg"), latencySvg(panels));
  console.log(report);
  log(`wrote ${join(outDir, "RESULTS.md")} and latency.svg in ${Math.round(results.elapsedSeconds)} s`);
}

// Ctrl-C: exit through 'exit', whose handlers kill the servers and Azurite.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
