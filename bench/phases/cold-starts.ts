// Cold starts of tollgate with its keys in the Table snapshot and with keys fetched from the
// issuer, and of the bare forwarder as the floor. Where the keys came from is checked, not
// assumed: the issuer counts its JWKS requests.

import { compiled } from "../lib/build.js";
import { coldStart } from "../lib/cold-start.js";
import { type BenchContext, FUNCTIONS_HOST, LOCAL_HOST, TOLLGATE_FUNCTIONS } from "../lib/context.js";
import { freshPrefix } from "../lib/fixture.js";
import type { ColdStartResult } from "../lib/results.js";

export async function measureColdStarts(context: BenchContext): Promise<ColdStartResult[]> {
  const { config, fixture, servers, mainPrefix, path, log } = context;
  const backendUrl = servers.direct.url;
  const poll = { path: path(1), token: fixture.tokens[0] as string };
  const tollgateRuns = async (
    scenario: string,
    prefixFor: () => Promise<string>,
    how: { entry: string; env?: Record<string, string> } = { entry: LOCAL_HOST },
  ) => {
    const runs = [];
    let jwksRequests = 0;
    for (let r = 0; r < config.coldStartRuns; r++) {
      const prefix = await prefixFor();
      fixture.issuer.resetCounters();
      runs.push(
        await coldStart({
          entry: how.entry,
          env: { ...fixture.tollgateEnv(prefix, backendUrl), ...how.env },
          ...poll,
        }),
      );
      jwksRequests += fixture.issuer.requests.jwks;
    }
    log(`cold start ${scenario}: ${runs.map((r) => Math.round(r.firstAllowedMs)).join(", ")} ms`);
    return { runs, jwksRequests };
  };

  // The main instance fetched the keys from the issuer at its start and stored the snapshot.
  const snapshot = await tollgateRuns("snapshot", async () => mainPrefix);
  const fresh = await tollgateRuns("issuer", async () => {
    const prefix = freshPrefix("cold");
    await fixture.pushPolicy(prefix);
    return prefix;
  });
  // Telemetry on: the distro starts with a connection string (its exporter sends to a closed
  // loopback port, so nothing leaves the machine; the start costs the same).
  const telemetryOn = {
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)};IngestionEndpoint=https://127.0.0.1:9/`,
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: "true",
  };
  const withTelemetry = await tollgateRuns("snapshot, telemetry on", async () => mainPrefix, {
    entry: LOCAL_HOST,
    env: telemetryOn,
  });
  const functionsApp = { FUNCTIONS_APP: TOLLGATE_FUNCTIONS.map((file) => compiled(file)).join(",") };
  const functionsPath = await tollgateRuns("functions path, snapshot", async () => mainPrefix, {
    entry: FUNCTIONS_HOST,
    env: functionsApp,
  });
  const functionsTelemetry = await tollgateRuns("functions path, telemetry on", async () => mainPrefix, {
    entry: FUNCTIONS_HOST,
    env: { ...functionsApp, ...telemetryOn },
  });
  const snapshotKeys = (jwksRequests: number) =>
    jwksRequests === 0
      ? "Table snapshot (issuer not asked)"
      : `issuer (${jwksRequests} JWKS requests: no snapshot?)`;
  const floor = [];
  for (let r = 0; r < config.coldStartRuns; r++) {
    floor.push(
      await coldStart({
        entry: "bench/servers/undici-forwarder.ts",
        env: { BENCH_BACKEND_URL: backendUrl },
        ...poll,
      }),
    );
  }
  const functionsFloor = [];
  for (let r = 0; r < config.coldStartRuns; r++) {
    functionsFloor.push(
      await coldStart({
        entry: FUNCTIONS_HOST,
        env: {
          FUNCTIONS_APP: compiled("bench/servers/functions-forwarder.ts"),
          BENCH_BACKEND_URL: backendUrl,
        },
        ...poll,
      }),
    );
  }
  return [
    {
      id: "local",
      scenario: "tollgate, keys in the Table snapshot",
      keysFrom:
        snapshot.jwksRequests === 0
          ? "Table snapshot (issuer not asked)"
          : `issuer (${snapshot.jwksRequests} JWKS requests: no snapshot?)`,
      runs: snapshot.runs,
    },
    {
      scenario: "tollgate, fresh tables (policy only)",
      keysFrom: fresh.jwksRequests > 0 ? `issuer (${fresh.jwksRequests} JWKS requests)` : "issuer not asked?",
      runs: fresh.runs,
    },
    {
      id: "localTelemetry",
      scenario: "tollgate, keys in the Table snapshot, telemetry on",
      keysFrom: snapshotKeys(withTelemetry.jwksRequests),
      runs: withTelemetry.runs,
    },
    {
      id: "functions",
      scenario: "tollgate (functions path), keys in the Table snapshot",
      keysFrom: snapshotKeys(functionsPath.jwksRequests),
      runs: functionsPath.runs,
    },
    {
      id: "functionsTelemetry",
      scenario: "tollgate (functions path), keys in the Table snapshot, telemetry on",
      keysFrom: snapshotKeys(functionsTelemetry.jwksRequests),
      runs: functionsTelemetry.runs,
    },
    { scenario: "undici forwarder (floor)", keysFrom: "no keys", runs: floor },
    { scenario: "functions forwarder (functions path floor)", keysFrom: "no keys", runs: functionsFloor },
  ];
}
