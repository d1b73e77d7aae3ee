// Cold starts of tollgate with its keys in the Table snapshot and with keys fetched from the
// issuer, and of the bare forwarder as the floor. Where the keys came from is checked, not
// assumed: the issuer counts its JWKS requests.

import { coldStart } from "../lib/cold-start.js";
import { type BenchContext, LOCAL_HOST } from "../lib/context.js";
import { freshPrefix } from "../lib/fixture.js";
import type { ColdStartResult } from "../lib/results.js";

export async function measureColdStarts(context: BenchContext): Promise<ColdStartResult[]> {
  const { config, fixture, servers, mainPrefix, path, log } = context;
  const backendUrl = servers.direct.url;
  const poll = { path: path(1), token: fixture.tokens[0] as string };
  const tollgateRuns = async (scenario: string, prefixFor: () => Promise<string>) => {
    const runs = [];
    let jwksRequests = 0;
    for (let r = 0; r < config.coldStartRuns; r++) {
      const prefix = await prefixFor();
      fixture.issuer.resetCounters();
      runs.push(
        await coldStart({ entry: LOCAL_HOST, env: fixture.tollgateEnv(prefix, backendUrl), ...poll }),
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
  return [
    {
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
    { scenario: "undici forwarder (floor)", keysFrom: "no keys", runs: floor },
  ];
}
