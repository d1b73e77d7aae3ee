// Cold starts of tollgate on the local host and on the Functions path, from the deploy bundle
// (telemetry off and on) and from tsc's unbundled output, with its keys in the Table snapshot and
// with keys fetched from the issuer, and of the bare forwarders as the floors. Where the keys came
// from is checked, not assumed: the issuer counts its JWKS requests.

import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { bundled, compiled } from "../lib/build.js";
import { coldStart } from "../lib/cold-start.js";
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

const functionsApp = (files: string[]) => ({ FUNCTIONS_APP: files.map((file) => compiled(file)).join(",") });

export async function measureColdStarts(context: BenchContext): Promise<ColdStartResult[]> {
  const { config, fixture, servers, mainPrefix, path, log } = context;
  const backendUrl = servers.direct.url;
  const poll = { path: path(1), token: fixture.tokens[0] as string };
  // Each process with the flags it is deployed with (infra/: languageWorkers__node__arguments).
  const nodeArgsOf = (entry: string) =>
    entry === FUNCTIONS_HOST
      ? WORKER_NODE_ARGUMENTS
      : entry.endsWith("local-host/main.ts")
        ? LOCAL_HOST_NODE_ARGUMENTS
        : [];
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
