// The report (bench/RESULTS.md): a header saying what it was measured on, the targets with their
// verdicts, then one table per part. Plain Markdown tables, so the README can quote them.

import { COLD_START_PARTS } from "./cold-start-profile.js";
import { checksMicros, type StepCost } from "./cpu-profile.js";
import { formatLoad } from "./machine.js";
import { explainMisses } from "./miss-analysis.js";
import { percentile } from "./open-loop.js";
import { type Results, TARGETS } from "./results.js";
import { judgeTargets, type TargetVerdict } from "./targets.js";
import { median, type ThroughputRun } from "./throughput.js";

const int = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (us: number) => (Number.isFinite(us) ? (us / 1000).toFixed(3) : "n/a");
const signedMs = (us: number) =>
  Number.isFinite(us) ? `${us >= 0 ? "+" : ""}${(us / 1000).toFixed(3)}` : "n/a";
const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);

function table(head: string[], align: ("l" | "r")[], rows: string[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

function verdictCell(verdict: TargetVerdict): string {
  if (verdict.unmeasurable !== undefined) return `**NOT MEASURABLE HERE**: ${verdict.unmeasurable}`;
  if (verdict.pass === undefined) return "not run";
  return verdict.pass ? "**PASS**" : `**MISS**: ${verdict.shortfall}`;
}

/** The headline table: the issue's targets and where this run stands. The README quotes it. */
export function targetsTable(results: Results): string {
  return table(
    ["Target", "Goal", "Measured", "Result"],
    ["l", "l", "l", "l"],
    judgeTargets(results).map((v) => [v.target, v.goal, v.measured, verdictCell(v)]),
  );
}

/** Under the targets: for each miss, what this run's floors say about it (bench/lib/miss-analysis.ts). */
function missesSection(results: Results): string {
  const lines = explainMisses(results);
  if (lines.length === 0) return "";
  return [
    "### Where each miss comes from",
    "",
    ...lines.map((line) => `- **${line.target}.** ${line.explanation}`),
    "",
    "",
  ].join("\n");
}

const notRun = (part: string) => `_Not run (\`--only\` left out ${part})._`;

/** The median of the runs' CPU per request, where the platform showed it. */
function cpuPerRequest(runs: readonly ThroughputRun[]): string {
  const values = runs.flatMap((run) =>
    run.cpuMicrosPerRequest === undefined ? [] : [run.cpuMicrosPerRequest],
  );
  return values.length === 0 ? "n/a" : median(values).toFixed(0);
}

function throughputSection(results: Results): string {
  const rows = results.throughput;
  if (!rows) return notRun("throughput");
  const c = results.config;
  const byId = new Map(rows.map((row) => [row.target, row.median]));
  const undici = byId.get("undici");
  const direct = byId.get("direct");
  return [
    `autocannon, ${c.connections} connections, ${c.throughputSeconds} s per run after a warm-up per target (every token of the pool once, then ${c.throughputWarmSeconds} s), ${c.throughputRuns} run(s) per target in rounds (every target once per round, the order reversed every other round, so the two targets a goal compares run back to back), median shown. Each request carries the next of ${c.tokenPool} distinct tokens. _CPU per request_ is what the target's process (all its threads) spent per answered request in its runs (median), read from /proc: the load generator and the backend share this machine's cores, so req/s also moves with what they take; CPU per request does not.`,
    "",
    table(
      [
        "Target",
        "req/s (median)",
        "runs",
        "vs undici forwarder",
        "vs direct",
        "CPU per request (µs)",
        "latency p50 / p99 (ms)",
        "non-2xx / errors",
      ],
      ["l", "r", "l", "r", "r", "r", "r", "r"],
      rows.map((row) => {
        const mid = row.runs[Math.floor(row.runs.length / 2)] ?? row.runs[0];
        return [
          TARGETS[row.target],
          int(row.median),
          row.runs.map((r) => int(r.requestsPerSecond)).join(", "),
          undici ? `${(row.median / undici).toFixed(2)}×` : "n/a",
          direct ? `${(row.median / direct).toFixed(2)}×` : "n/a",
          cpuPerRequest(row.runs),
          mid ? `${mid.p50Ms} / ${mid.p99Ms}` : "n/a",
          `${row.runs.reduce((n, r) => n + r.non2xx, 0)} / ${row.runs.reduce((n, r) => n + r.errors, 0)}`,
        ];
      }),
    ),
    "",
    "The latency column is autocannon's closed-loop view, for context; added latency is measured open loop below.",
  ].join("\n");
}

function latencySection(results: Results): string {
  const sections = results.latency;
  if (!sections) return notRun("latency");
  const c = results.config;
  const parts: string[] = [
    `An open-loop client (this process, undici Pool): request i is due at t0 + i/rate; latency is completion minus due time, in microseconds, so a stall counts against every request it delays. ${c.rates.map((r) => `${r.toLocaleString("en-US")} req/s for ${c.latencySeconds[r]} s`).join(", ")} per target, each after ${c.latencyWarmSeconds} s at the same rate on the same connections that is not counted. _Added_ is the target's percentile minus direct's. _Client lag_ is how late this client sent (Node timers tick about every millisecond); it is in every target's numbers alike and cancels in _added_.`,
    "",
    "![Latency against percentile, per target](latency.svg)",
    "",
  ];
  for (const section of sections) {
    const direct = section.rows.find((row) => row.target === "direct")?.result;
    parts.push(
      `### ${section.rate.toLocaleString("en-US")} req/s`,
      "",
      table(
        [
          "Target",
          "p50 (ms)",
          "p99 (ms)",
          "p99.9 (ms)",
          "added p50",
          "added p99",
          "added p99.9",
          "client lag p99",
          "answers / failures",
        ],
        ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
        section.rows.map(({ target, result }) => {
          const at = (p: number) => percentile(result.latenciesUs, p);
          const added = (p: number) =>
            direct && target !== "direct" ? signedMs(at(p) - percentile(direct.latenciesUs, p)) : "";
          return [
            TARGETS[target],
            ms(at(50)),
            ms(at(99)),
            ms(at(99.9)),
            added(50),
            added(99),
            added(99.9),
            ms(percentile(result.lagUs, 99)),
            `${int(result.latenciesUs.length)} / ${result.failures}`,
          ];
        }),
      ),
      "",
    );
  }
  return parts.join("\n").trimEnd();
}

function tokenSection(results: Results): string {
  const rows = results.tokenPath;
  if (!rows) return notRun("the token path");
  const base = rows.find((row) => row.name.startsWith("node:crypto"))?.perSecond;
  return [
    `In this process, one verification at a time, ${results.config.tokenPathSeconds} s each after a warm-up, over a pool of ${results.config.tokenPool} distinct RS256 tokens. tollgate's validator applies every Entra rule; with its verified-token cache on, the pool fits in the cache, so after the first pass each token costs a lookup (a repeat caller); cache off, every token is verified afresh.`,
    "",
    table(
      ["Path", "verifies/s", "vs node:crypto"],
      ["l", "r", "r"],
      rows.map((row) => [
        row.name,
        int(row.perSecond),
        base ? `${(row.perSecond / base).toFixed(2)}×` : "n/a",
      ]),
    ),
  ].join("\n");
}

function coreSection(results: Results): string {
  const core = results.corePath;
  if (!core) return notRun("the core alone");
  const gate = median(core.rounds.map((r) => r.tollgateUs));
  const forward = median(core.rounds.map((r) => r.forwardUs));
  const checks = median(core.rounds.map((r) => r.tollgateUs - r.forwardUs));
  return [
    `tollgate's core in one process with no HTTP server in front (\`bench/servers/core-path.ts\`, tsc's output): \`handle\` from \`createTollgate\`, with the same settings, tables and token pool as the targets above, against \`forwardRequest\` alone to the same backend, ${core.requests.toLocaleString("en-US")} requests each per round, ${core.concurrency} in flight, both reading the whole answer; the order reverses every other round. CPU (all threads of this one process) per request. The difference is what the checks cost, without a server, the load generator and the backend sharing the cores; the throughput runs' difference adds what the checks make the HTTP server and the host do (more headers, more garbage).`,
    "",
    table(
      ["Round", "tollgate's handle (µs)", "forwardRequest alone (µs)", "the checks (µs)"],
      ["l", "r", "r", "r"],
      [
        ...core.rounds.map((r, i) => [
          String(i + 1),
          r.tollgateUs.toFixed(1),
          r.forwardUs.toFixed(1),
          (r.tollgateUs - r.forwardUs).toFixed(1),
        ]),
        ["**median**", `**${gate.toFixed(1)}**`, `**${forward.toFixed(1)}**`, `**${checks.toFixed(1)}**`],
      ],
    ),
  ].join("\n");
}

function shadowSection(results: Results): string {
  const rows = results.shadowPath;
  if (!rows) return notRun("the shadow path");
  const base = rows[0]?.perSecond;
  return [
    `In this process, ${results.config.tokenPathSeconds} s each after a warm-up, in interleaved rounds so a busy machine slows each alike: the role-map step of a request (\`authorize\` over 21 rules, the one that applies last), alone and with a shadow candidate evaluated beside it (\`bench/shadow-path.ts\`). A differing candidate also counts the difference in memory and sends one telemetry event (here to telemetry switched off); counts reach Table Storage at most once a minute, off the request path.`,
    "",
    table(
      ["Role-map step", "decisions/s", "vs alone", "ns per request added"],
      ["l", "r", "r", "r"],
      rows.map((row) => [
        row.name,
        int(row.perSecond),
        base ? `${(row.perSecond / base).toFixed(2)}×` : "n/a",
        base ? int(Math.max(0, 1e9 / row.perSecond - 1e9 / base)) : "n/a",
      ]),
    ),
  ].join("\n");
}

function coldSection(results: Results): string {
  const rows = results.coldStart;
  if (!rows) return notRun("cold start");
  const lowerMedian = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  };
  return [
    "From spawning the process to its first allowed (2xx) answer, polling a fixed port every 5 ms. Every process runs compiled JavaScript, as a deployed Functions app does: tollgate from the deploy bundle (`npm run bundle`, what `npm run package` ships: esbuild, one set of chunks, telemetry's distro and @azure/identity in chunks of their own read only when configured, undici as its connection pool alone) unless the row says _unbundled_ (tsc's output, one file per module). On the Functions path the process is the Functions-path harness (`tools/loopback/functions-path`) loading the app's files with the worker's core module stood in; the gateway module starts tollgate as it loads, as under the host; the Functions host's own start (minutes of platform work on a cold instance) is not in it. _Telemetry on_ starts the Azure Monitor distro with a connection string whose endpoint is a closed loopback port. _Keys from_ is checked by counting the issuer's JWKS requests during the start.",
    "",
    table(
      [
        "Scenario",
        "keys from",
        "spawn → listening (ms)",
        "spawn → first allowed (ms)",
        "runs (first allowed, ms)",
      ],
      ["l", "l", "r", "r", "l"],
      rows.map((row) => [
        row.scenario,
        row.keysFrom,
        lowerMedian(row.runs.map((r) => r.listeningMs)).toFixed(0),
        lowerMedian(row.runs.map((r) => r.firstAllowedMs)).toFixed(0),
        row.runs.map((r) => r.firstAllowedMs.toFixed(0)).join(", "),
      ]),
    ),
    "",
    "Medians of the runs. The undici forwarder row is the floor: a Node process with no settings, keys or storage to load; the functions forwarder row is the same on the Functions path (the harness and @azure/functions loaded, an undici Pool, no checks).",
    ...coldProfileSection(results),
  ].join("\n");
}

/** One profiled start of each: the time from spawn to the first answer, part by part. */
function coldProfileSection(results: Results): string[] {
  const profiles = results.coldStartProfiles;
  if (!profiles || profiles.length === 0) return [];
  return [
    "",
    "### Where a start's time goes",
    "",
    `${results.config.coldStartRuns} more start(s) of each, telemetry off, under V8's sampling profiler (\`--cpu-prof\`, every 100 µs), each cut at its first allowed answer, the median shown part by part (so the parts need not add up to the median total); each sample is charged to the first of these that is on its stack, so a built-in module the app requires counts to Node's modules and the time V8 spends parsing and compiling a file counts to compiling. _Running the app's code_ includes Node's and undici's functions it calls; on the Functions path the harness's own files (the host's part) count to it as well. The profiler slows a start a little, so the totals run above the medians above.`,
    "",
    table(
      ["Part of the start (ms)", ...profiles.map((p) => p.scenario)],
      ["l", ...profiles.map(() => "r" as const)],
      [
        ...COLD_START_PARTS.map((part) => [part, ...profiles.map((p) => p.profile.parts[part].toFixed(0))]),
        ["**spawn → first allowed**", ...profiles.map((p) => `**${p.profile.totalMs.toFixed(0)}**`)],
      ],
    ),
  ];
}

function tailSection(results: Results): string {
  const rows = results.tail;
  if (!rows) return notRun("the tail");
  const c = results.config;
  return [
    `What the tail is made of: each variant its own process under the same open-loop load (${c.tailRate.toLocaleString("en-US")} req/s for ${c.tailSeconds} s after ${c.tailWarmSeconds} s at that rate to warm up: a fresh process compiles its hot path over its first 10-15 s), printing its garbage collections (\`--trace-gc\`); only those during the measured seconds count. Young-generation collections (scavenges) stop the process for their pause; full collections (mark-compact) are the long ones, and a process busy a share _u_ of the time takes about pause / (1 − _u_) to work off the requests that queued behind one. The flags are those \`infra/\` sets for the worker (\`languageWorkers__node__arguments\`, see \`tools/loopback/functions-path/worker-node-arguments.ts\`); the local host runs with the same V8 flag (\`npm run serve\`). Each also runs once with a young generation twice Node's default (\`--max-semi-space-size=32\`, deployed until session 10): fewer scavenges, but any V8 heap-size flag makes V8 reject Node's code cache for its built-in modules, which slows every start. _Event-loop delay_ is each process's own (\`monitorEventLoopDelay\`, preloaded by \`bench/servers/loop-delay-probe.ts\`): how long its loop was kept from running; a latency tail larger than it was spent outside the process (waiting for a core, the backend or the client). The floors run the same way.${c.tailIdleSeconds > 0 ? ` The _burst after idle_ rows warm up the same way, get no request for ${c.tailIdleSeconds} s, then are measured at once: what an instance that went quiet meets on the next burst, with V8's memory reducer off (as deployed) and on (Node's default).` : ""} The _fresh process's first burst_ rows are new processes that have seen only the token pool, once, at a quarter of the rate (so no first verification falls in the burst), and are then measured at once: what a scaled-out instance meets while its hot path is not yet compiled, tollgate beside the library's own floor.`,
    "",
    table(
      [
        "Variant",
        "answers",
        "scavenges",
        "scavenge pauses, total / max (ms)",
        "full collections (total / max ms)",
        "event-loop delay p99 / max (ms)",
        "p50 / p99 (ms)",
      ],
      ["l", "r", "r", "r", "r", "r", "r"],
      rows.map((row) => [
        row.variant,
        int(row.answers),
        String(row.scavenges),
        `${row.scavengeTotalMs.toFixed(1)} / ${row.scavengeMaxMs.toFixed(1)}`,
        `${row.fullCollections} (${row.fullTotalMs.toFixed(1)} / ${row.fullMaxMs.toFixed(1)})`,
        row.loopDelay ? `${row.loopDelay.p99Ms.toFixed(1)} / ${row.loopDelay.maxMs.toFixed(1)}` : "n/a",
        `${ms(row.p50Ms * 1000)} / ${ms(row.p99Ms * 1000)}`,
      ]),
    ),
  ].join("\n");
}

function memorySection(results: Results): string {
  const memory = results.memory;
  if (!memory) return notRun("memory");
  const c = results.config;
  const s = [...memory.samples].sort((a, b) => a.atSeconds - b.atSeconds);
  const first = s[0]?.rssBytes ?? 0;
  const last = s.at(-1)?.rssBytes ?? 0;
  const max = Math.max(...s.map((x) => x.rssBytes));
  const minutes = (s.at(-1)?.atSeconds ?? 0) / 60;
  const slope = minutes > 0 ? (last - first) / 1024 ** 2 / minutes : 0;
  // The second half: after the heap has grown to its working size, a leak still climbs.
  const half = s.filter((x) => x.atSeconds >= (s.at(-1)?.atSeconds ?? 0) / 2);
  const halfFirst = half[0]?.rssBytes ?? 0;
  const change = (from: number, to: number) =>
    `${to >= from ? "+" : ""}${((100 * (to - from)) / (from || 1)).toFixed(1)}%`;
  const { start: liveStart, end: liveEnd } = memory.liveHeap;
  const live =
    liveStart !== undefined && liveEnd !== undefined
      ? `${mib(liveStart)} → ${mib(liveEnd)} (${change(liveStart, liveEnd)})`
      : "n/a";
  const lat = memory.latency;
  return [
    `tollgate's resident memory (VmRSS of the gateway process) during ${c.soakSeconds} s at ${c.soakRate.toLocaleString("en-US")} req/s (open loop, the same token pool) after ${c.soakWarmSeconds} s at that rate to settle, sampled every ${c.soakSampleSeconds} s, with the V8 heap in use (inspector \`Runtime.getHeapUsage\`). _Live heap_ is the heap after a forced full collection, before the settling and after the soak: what the process really holds on to.${c.mode === "quick" ? " _Quick mode: a short soak, indicative only._" : ""}`,
    "",
    table(
      [
        "RSS start (MiB)",
        "RSS end (MiB)",
        "RSS max (MiB)",
        "RSS change",
        "RSS change, second half",
        "slope (MiB/min)",
        "live heap (MiB)",
        "latency p50 / p99 / p99.9 (ms)",
        "answers / failures",
      ],
      ["r", "r", "r", "r", "r", "r", "r", "r", "r"],
      [
        [
          mib(first),
          mib(last),
          mib(max),
          change(first, last),
          change(halfFirst, last),
          slope.toFixed(2),
          live,
          `${ms(percentile(lat.latenciesUs, 50))} / ${ms(percentile(lat.latenciesUs, 99))} / ${ms(percentile(lat.latenciesUs, 99.9))}`,
          `${int(lat.latenciesUs.length)} / ${lat.failures}`,
        ],
      ],
    ),
    "",
    `Samples (s: RSS / heap in use, MiB): ${s
      .map(
        (x) =>
          `${x.atSeconds.toFixed(0)}: ${mib(x.rssBytes)}${x.heapUsedBytes === undefined ? "" : ` / ${mib(x.heapUsedBytes)}`}`,
      )
      .join(", ")}`,
  ].join("\n");
}

/** tollgate's throughput layer by layer, from the throughput runs: what each layer costs. */
function layersTable(results: Results): string {
  const medians = new Map(results.throughput?.map((row) => [row.target, row.median]));
  const undici = medians.get("undici");
  const forward = medians.get("forwardLayer");
  const full = medians.get("tollgate");
  const adapter = medians.get("adapterLayer");
  if (undici === undefined || forward === undefined || full === undefined || adapter === undefined) {
    return "_The layer comparison needs the throughput part._";
  }
  const share = (value: number) => `${(value / undici).toFixed(2)}×`;
  const cost = (from: number, to: number) => `${(100 * (1 - to / from)).toFixed(0)}% of throughput`;
  return [
    "Throughput layer by layer (medians from the throughput runs above). The undici forwarder is node:http in, undici out. tollgate's local host adapter turns node:http into a web-standard `Request` and writes a `Response` back (`tools/local-host/node-http-adapter.ts`); `forwardRequest` (`shared/forward`) sends it on with undici and hands the answer back as a web stream. The full pipeline adds the token, the role map, the rate limit, the assertion and header hygiene.",
    "",
    table(
      ["Layer", "req/s", "vs undici forwarder", "costs (vs the row above)"],
      ["l", "r", "r", "l"],
      [
        ["undici forwarder (no checks)", int(undici), share(undici), ""],
        [
          "tollgate's adapter + forwardRequest (no checks)",
          int(forward),
          share(forward),
          `web Request/Response and web streams: ${cost(undici, forward)}`,
        ],
        ["tollgate, full pipeline", int(full), share(full), `the checks: ${cost(forward, full)}`],
        [
          "tollgate's adapter alone, answering itself (no backend)",
          int(adapter),
          share(adapter),
          "the adapter's ceiling, for scale",
        ],
      ],
    ),
  ].join("\n");
}

/** Each of tollgate's steps with its CPU per request, on both paths, and what it does. */
function stepsSection(results: Results): string[] {
  const local = results.profile?.steps;
  const functions = results.functionsProfile?.steps;
  if (!local && !functions) return [];
  const cell = (steps: readonly StepCost[] | undefined, name: string) => {
    const step = steps?.find((s) => s.name === name);
    return step === undefined ? "" : `${step.microsPerRequest.toFixed(1)} (${step.percent.toFixed(1)}%)`;
  };
  const names = (local ?? functions ?? []).map((step) => step.name);
  const whyOf = (name: string) => (local ?? functions ?? []).find((s) => s.name === name)?.why ?? "";
  const total = (steps: readonly StepCost[] | undefined) =>
    steps === undefined ? "" : `**${checksMicros(steps).toFixed(1)}**`;
  return [
    "### tollgate's steps, per request",
    "",
    "From the two profiles below: each sample is charged to the innermost of tollgate's steps on its stack (`PIPELINE_STEPS` in `bench/lib/cpu-profile.ts`), and a step's CPU per request is its samples' time over the requests answered while profiled. Everything a step calls (Node, undici, V8's builtins) counts to it; garbage collection and the socket writes do not. The profiler slows each process a little, so the rates are below the throughput phase's.",
    "",
    table(
      [
        "Step",
        "local host: µs per request (share)",
        "Functions path: µs per request (share)",
        "what it does per request",
      ],
      ["l", "r", "r", "l"],
      [
        ...names.map((name) => [name, cell(local, name), cell(functions, name), whyOf(name)]),
        [
          "**the checks** (every step but forwarding and the Functions entry)",
          total(local),
          total(functions),
          "",
        ],
      ],
    ),
    "",
  ];
}

function profileSection(results: Results): string {
  const profile = results.profile;
  const layers = results.throughput ? [layersTable(results), ""] : [];
  if (!profile) {
    return [
      ...layers,
      results.config.parts.includes("profile")
        ? "_No profile was recorded._"
        : "_Not profiled in this run (quick mode skips it; `npm run bench -- --quick --profile` adds it)._",
    ].join("\n");
  }
  const { summary } = profile;
  return [
    ...layers,
    ...stepsSection(results),
    `A second tollgate process (same settings and tables), profiled through the inspector (V8's sampling profiler, every 200 µs) only while autocannon loaded it (${results.config.connections} connections, ${results.config.profileSeconds} s, ${int(profile.requestsPerSecond)} req/s while profiled), so its start is left out. Self time as a share of the sampled time; the process was busy ${summary.busyPercent.toFixed(0)}% of it. The profile was written to \`${profile.file}\` (open it in Chrome DevTools or speedscope).`,
    "",
    table(
      ["Part of the code", "self time"],
      ["l", "r"],
      summary.areas.map((a) => [`\`${a.name}\``, `${a.percent.toFixed(1)}%`]),
    ),
    "",
    table(
      ["Function", "self time"],
      ["l", "r"],
      summary.functions.map((f) => [`\`${f.name}\``, `${f.percent.toFixed(1)}%`]),
    ),
    "",
    "tollgate's own functions by total time (the function and everything it calls; nested entries overlap):",
    "",
    table(
      ["Function", "total time"],
      ["l", "r"],
      summary.ownInclusive.map((f) => [`\`${f.name}\``, `${f.percent.toFixed(1)}%`]),
    ),
    ...functionsProfileSection(results),
  ].join("\n");
}

/** The worker on the Functions path: the harness plays the host in the same process, so its share is listed apart. */
function functionsProfileSection(results: Results): string[] {
  const profile = results.functionsProfile;
  if (!profile) return [];
  const { summary } = profile;
  return [
    "",
    "### On the Functions path",
    "",
    `tollgate's Functions app (tsc output, so frames keep their package) in the Functions-path harness, profiled the same way (${int(profile.requestsPerSecond)} req/s while profiled; busy ${summary.busyPercent.toFixed(0)}%; \`${profile.file}\`). The harness plays the host in this same process, so \`tools/loopback\` and part of \`node:_http_*\` and \`node:net\` are the host's share; in Azure the host is a separate .NET process. \`@azure/functions\` is the library's own request and response conversion and its stream proxy.`,
    "",
    table(
      ["Part of the code", "self time"],
      ["l", "r"],
      summary.areas.map((a) => [`\`${a.name}\``, `${a.percent.toFixed(1)}%`]),
    ),
    "",
    table(
      ["Function", "self time"],
      ["l", "r"],
      summary.functions.map((f) => [`\`${f.name}\``, `${f.percent.toFixed(1)}%`]),
    ),
    ...floorComparison(results),
  ];
}

/**
 * tollgate on the Functions path against its floor, part by part, in CPU per request: where the
 * library and the host spend more for tollgate's calls than for the bare forwarder's.
 */
function floorComparison(results: Results): string[] {
  const gate = results.functionsProfile;
  const floor = results.functionsFloorProfile;
  if (!gate || !floor) return [];
  const floorOf = new Map(floor.areas.map((area) => [area.name, area.microsPerRequest]));
  const gateOf = new Map(gate.areas.map((area) => [area.name, area.microsPerRequest]));
  const names = [...new Set([...gateOf.keys(), ...floorOf.keys()])];
  const rows = names
    .map((name) => ({ name, gate: gateOf.get(name) ?? 0, floor: floorOf.get(name) ?? 0 }))
    .map((row) => ({ ...row, more: row.gate - row.floor }))
    .sort((a, b) => Math.abs(b.more) - Math.abs(a.more));
  const sum = (key: "gate" | "floor" | "more") => rows.reduce((total, row) => total + row[key], 0);
  const us = (value: number) => value.toFixed(1);
  const signed = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)}`;
  return [
    "",
    `The functions forwarder, profiled the same way (tsc output; ${int(floor.requestsPerSecond)} req/s while profiled; busy ${floor.summary.busyPercent.toFixed(0)}%; \`${floor.file}\`), against tollgate, part by part in CPU per request at each one's profiled rate (self time, so a part's callees count to their own part). The biggest differences first; \`shared\` and \`functions\` are tollgate's own, the rest is what the library, the host's part, Node and undici spend on each one's calls.`,
    "",
    table(
      [
        "Part of the code",
        "tollgate: µs per request",
        "functions forwarder: µs per request",
        "tollgate spends more",
      ],
      ["l", "r", "r", "r"],
      [
        ...rows.slice(0, 14).map((row) => [`\`${row.name}\``, us(row.gate), us(row.floor), signed(row.more)]),
        [
          "**every part** (idle left out)",
          `**${us(sum("gate"))}**`,
          `**${us(sum("floor"))}**`,
          `**${signed(sum("more"))}**`,
        ],
      ],
    ),
  ];
}

export function renderReport(results: Results): string {
  const m = results.machine;
  const c = results.config;
  return [
    "# tollgate benchmarks",
    "",
    `${c.mode === "quick" ? "**Quick run** (a smoke check: short runs, rough numbers). " : ""}Measured ${results.date} in ${Math.round(results.elapsedSeconds)} s by \`npm run bench${c.mode === "quick" ? " -- --quick" : ""}\`.`,
    "",
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.platform}`,
    `- Node ${m.node} (every process)`,
    `- Load average at start: ${formatLoad(m.loadAtStart)}; at end: ${formatLoad(results.loadAtEnd)}`,
    "- Every process on this one machine, over loopback: the load generator (this process), the gateway, the echo backend and Azurite are separate processes, so they share its cores. Compare the ratios, not the absolute numbers, and only within one run.",
    "",
    "## Targets",
    "",
    targetsTable(results),
    "",
    missesSection(results),
    "## Throughput",
    "",
    throughputSection(results),
    "",
    "## The core alone",
    "",
    coreSection(results),
    "",
    "## Added latency",
    "",
    latencySection(results),
    "",
    "## Token path",
    "",
    tokenSection(results),
    "",
    "## Shadow policy cost",
    "",
    shadowSection(results),
    "",
    "## Cold start",
    "",
    coldSection(results),
    "",
    "## Memory",
    "",
    memorySection(results),
    "",
    "## The tail",
    "",
    tailSection(results),
    "",
    "## Where the time goes",
    "",
    profileSection(results),
    "",
    "## How it was measured",
    "",
    `- **Targets**, each in front of the same echo backend process (\`bench/servers/echo.ts\`), each its own process, which answers every request with the same small JSON (method, path, body size; not the request's headers, so a target that adds headers pays for them on the way in and not again as a larger answer): _direct_ (no proxy); _tollgate_, the local host (\`tools/local-host/main.ts\`) with the full pipeline: RS256 verification against the loopback Entra-shaped issuer's keys, the Entra rules, a role map rule requiring the role \`${"reader"}\`, a strict rate limit on Azurite (a billion per hour, so it never refuses: its cost is measured, not refusals), the signed identity assertion and streamed forwarding; _fastify peer_ (\`bench/servers/fastify-peer.ts\`), fastify with @fastify/jwt and get-jwks (issuer, audience, RS256, tenant and role checked), @fastify/rate-limit in memory with the same limit, and @fastify/reply-from, configured as their READMEs show; _undici forwarder_ (\`bench/servers/undici-forwarder.ts\`), node:http in and an undici Pool out, no checks, the floor for any Node proxy; and, to show where tollgate's time goes, two of its layers without the checks (\`bench/servers/tollgate-layers.ts\`): its node:http adapter with \`forwardRequest\`, and the adapter answering by itself.`,
    `- **Tokens**: ${c.tokenPool} distinct valid tokens (one user each, role \`reader\`), minted by the loopback issuer; requests cycle through them.`,
    "- **The Functions path**: the Functions-path harness (`tools/loopback/functions-path`) plays the host: it routes each request to the function (host.json's routePrefix, the trigger's route and methods), hands the request headers over as the invocation's trigger metadata the way the host does (repeated headers joined by a comma), proxies the request to the HTTP server `@azure/functions` starts in the worker with an `x-ms-invocation-id` (and the `X-Forwarded-Host`/`-Proto` the host's forwarder sets), and runs that invocation through the library (`getInvocationModel` → `getArguments` → the handler → `getResponse`), so the library's own request and response conversion and streaming run. _tollgate (functions path)_ is the deploy bundle with the same settings and tables as the local host's tollgate; its floor, _functions forwarder_ (`bench/servers/functions-forwarder.ts`), is a bare forwarder written as an `@azure/functions` streaming app (an undici Pool, no checks) run by the same harness, so the library's cost is in both and the ratio shows tollgate's part. The _buffered_ rows turn HTTP streaming off (bodies travel inside the invocation, as over the host's gRPC channel): the forwarder by its own switch, tollgate by `bench/servers/buffered-mode.ts` loaded after its tsc output. The harness runs in the worker's process here (in Azure the host is a separate .NET process), so its own share of the CPU is in these numbers. Every Functions-path process runs with the Node flags `infra/` gives the worker (`languageWorkers__node__arguments`), the local host tollgate with the same semi-space flag.",
    "- **Telemetry** is off (no Application Insights connection string) except in the cold-start rows that say _telemetry on_; tollgate's settings are the defaults otherwise.",
    `- **Sources**: \`bench/run.ts\` and \`bench/lib/\`; the token micro-benchmark is \`bench/token-path.ts\`. The rate limiter alone is in [RATE-LIMIT.md](RATE-LIMIT.md).`,
    "",
  ].join("\n");
}
