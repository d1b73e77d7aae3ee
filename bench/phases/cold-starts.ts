// Cold starts of tollgate on the local host and on the Functions path, from the deploy bundle
// (telemetry off and on) and from tsc's unbundled output, with its keys in the Table snapshot and
// with keys fetched from the issuer, and of the bare forwarders as the floors. Where the keys came
// from is checked, not assumed: the issuer counts its JWKS requests.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { bundled, compiled } from "../lib/build.js";
import { coldStart } from "../lib/cold-start.js";
import {
  type ColdStartProfile,
  coldStartProfile,
  medianProfile,
  readProfile,
} from "../lib/cold-start-profile.js";
import {
  type BenchContext,
  FUNCTIONS_HOST,
  LOCAL_HOST,
  LOCAL_HOST_NODE_ARGUMENTS,
  TOLLGATE_FUNCTIONS,
} from "../lib/context.js";
import { freshPrefix } from "../lib/fixture.js";
import type { ColdStartResult } from "../lib/results.js";

/**
 * Telemetry on: the distro starts with a connection string. Its exporter sends to a closed
 * loopback port, so nothing leaves the machine, and the start costs what it costs in Azure.
 */
const TELEMETRY_ON = {
  APPLICATIONINSIGHTS_CONNECTION_STRING:
    "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/",
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: "true",
};

/** Each process with the flags it is deployed with (infra/: languageWorkers__node__arguments). */
const nodeArgsOf = (entry: string) =>
  entry === FUNCTIONS_HOST
    ? WORKER_NODE_ARGUMENTS
    : entry.endsWith("local-host/main.ts")
      ? LOCAL_HOST_NODE_ARGUMENTS
      : [];

const functionsApp = (files: string[]) => ({ FUNCTIONS_APP: files.map((file) => compiled(file)).join(",") });

export async function measureColdStarts(context: BenchContext): Promise<ColdStartResult[]> {
  const { config, fixture, servers, mainPrefix, path, log } = context;
  const backendUrl = servers.direct.url;
  const poll = { path: path(1), token: fixture.tokens[0] as string };
  const runsOf = async (entry: string, env: () => Promise<Record<string, string>>) => {
    const runs = [];
    let jwksRequests = 0;
    for (let r = 0; r < config.coldStartRuns; r++) {
      const childEnv = await env();
      fixture.issuer.resetCounters();
      runs.push(await coldStart({ entry, env: childEnv, nodeArgs: nodeArgsOf(entry), ...poll }));
      jwksRequests += fixture.issuer.requests.jwks;
    }
    return { runs, jwksRequests };
  };
  const keysFrom = (jwksRequests: number, expectSnapshot: boolean) => {
    if (!expectSnapshot)
      return jwksRequests > 0 ? `issuer (${jwksRequests} JWKS requests)` : "issuer not asked?";
    return jwksRequests === 0
      ? "Table snapshot (issuer not asked)"
      : `issuer (${jwksRequests} JWKS requests: no snapshot?)`;
  };
  const rows: ColdStartResult[] = [];
  const tollgate = async (
    row: Omit<ColdStartResult, "runs" | "keysFrom">,
    entry: string,
    extra: Record<string, string>,
    fresh = false,
  ) => {
    const { runs, jwksRequests } = await runsOf(entry, async () => {
      // The main instance fetched the keys from the issuer at its start and stored the snapshot.
      let prefix = mainPrefix;
      if (fresh) {
        prefix = freshPrefix("cold");
        await fixture.pushPolicy(prefix);
      }
      return { ...fixture.tollgateEnv(prefix, backendUrl), ...extra };
    });
    log(`cold start ${row.scenario}: ${runs.map((r) => Math.round(r.firstAllowedMs)).join(", ")} ms`);
    rows.push({ ...row, keysFrom: keysFrom(jwksRequests, !fresh), runs });
  };
  const floor = async (scenario: string, entry: string, env: Record<string, string>) => {
    const { runs } = await runsOf(entry, async () => env);
    rows.push({ scenario, keysFrom: "no keys", runs });
  };

  const localBundle = bundled(LOCAL_HOST);
  const appBundle = functionsApp(TOLLGATE_FUNCTIONS.map(bundled));
  await tollgate({ id: "local", scenario: "tollgate, keys in the Table snapshot" }, localBundle, {});
  await tollgate({ scenario: "tollgate, fresh tables (policy only)" }, localBundle, {}, true);
  await tollgate(
    { id: "localTelemetry", scenario: "tollgate, keys in the Table snapshot, telemetry on" },
    localBundle,
    TELEMETRY_ON,
  );
  await tollgate(
    { scenario: "tollgate, keys in the Table snapshot, unbundled (tsc output)" },
    LOCAL_HOST,
    {},
  );
  await tollgate(
    { id: "functions", scenario: "tollgate (functions path), keys in the Table snapshot" },
    FUNCTIONS_HOST,
    appBundle,
  );
  await tollgate(
    {
      id: "functionsTelemetry",
      scenario: "tollgate (functions path), keys in the Table snapshot, telemetry on",
    },
    FUNCTIONS_HOST,
    { ...appBundle, ...TELEMETRY_ON },
  );
  await tollgate(
    { scenario: "tollgate (functions path), keys in the Table snapshot, unbundled (tsc output)" },
    FUNCTIONS_HOST,
    functionsApp(TOLLGATE_FUNCTIONS),
  );
  await floor("undici forwarder (floor)", "bench/servers/undici-forwarder.ts", {
    BENCH_BACKEND_URL: backendUrl,
  });
  await floor("functions forwarder (functions path floor)", FUNCTIONS_HOST, {
    ...functionsApp([bundled("bench/servers/functions-forwarder.ts")]),
    BENCH_BACKEND_URL: backendUrl,
  });
  return rows;
}

/**
 * More starts of tollgate (the deploy bundle, telemetry off) and of each floor, as many as the
 * measured ones, under V8's sampling profiler (every 100 µs), cut at the first allowed answer:
 * what each part of a start cost, the median of the starts part by part. The profiler slows a
 * start a little, so these totals run above the medians of the unprofiled starts.
 */
export async function profileColdStarts(
  context: BenchContext,
): Promise<{ scenario: string; profile: ColdStartProfile }[]> {
  const { fixture, servers, mainPrefix, path, log } = context;
  const backendUrl = servers.direct.url;
  const poll = { path: path(1), token: fixture.tokens[0] as string };
  const starts: { scenario: string; entry: string; env: Record<string, string> }[] = [
    {
      scenario: "tollgate (local host)",
      entry: bundled(LOCAL_HOST),
      env: fixture.tollgateEnv(mainPrefix, backendUrl),
    },
    {
      scenario: "undici forwarder (floor)",
      entry: "bench/servers/undici-forwarder.ts",
      env: { BENCH_BACKEND_URL: backendUrl },
    },
    {
      scenario: "tollgate (functions path)",
      entry: FUNCTIONS_HOST,
      env: {
        ...fixture.tollgateEnv(mainPrefix, backendUrl),
        ...functionsApp(TOLLGATE_FUNCTIONS.map(bundled)),
      },
    },
    {
      scenario: "functions forwarder (functions path floor)",
      entry: FUNCTIONS_HOST,
      env: {
        ...functionsApp([bundled("bench/servers/functions-forwarder.ts")]),
        BENCH_BACKEND_URL: backendUrl,
      },
    },
  ];
  const profiles: { scenario: string; profile: ColdStartProfile }[] = [];
  for (const start of starts) {
    const runs: ColdStartProfile[] = [];
    for (let r = 0; r < context.config.coldStartRuns; r++) {
      const dir = mkdtempSync(join(tmpdir(), "tollgate-cold-profile-"));
      try {
        const run = await coldStart({
          entry: start.entry,
          env: start.env,
          nodeArgs: [
            ...nodeArgsOf(start.entry),
            "--cpu-prof",
            `--cpu-prof-dir=${dir}`,
            "--cpu-prof-interval=100",
          ],
          ...poll,
        });
        runs.push(coldStartProfile(readProfile(dir), run.spawnedAtUs, run.firstAllowedMs));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const profile = medianProfile(runs);
    log(`cold start profile ${start.scenario}: ${Math.round(profile.totalMs)} ms`);
    profiles.push({ scenario: start.scenario, profile });
  }
  return profiles;
}
