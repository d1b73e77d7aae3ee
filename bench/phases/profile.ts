// Where tollgate's time goes: a second tollgate process with the same settings and tables,
// CPU-profiled through the inspector only while it is under the throughput load. On the local
// host, or on the Functions path: there from tsc's unbundled output, so that the profile can tell
// @azure/functions' own time from tollgate's (in the bundle, every frame is in one chunk file).

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { compiled } from "../lib/build.js";
import { checkAllowed } from "../lib/checks.js";
import { startServer } from "../lib/child-server.js";
import {
  type BenchContext,
  FUNCTIONS_HOST,
  LOCAL_HOST,
  LOCAL_HOST_NODE_ARGUMENTS,
  TOLLGATE_FUNCTIONS,
} from "../lib/context.js";
import { areaCosts, pipelineCosts, summariseProfile } from "../lib/cpu-profile.js";
import { profileDuring } from "../lib/inspector-profile.js";
import type { Results } from "../lib/results.js";
import { throughputRun, warmUp } from "../lib/throughput.js";

export async function profileHotPath(
  context: BenchContext,
  on: "local host" | "functions path" | "functions floor" = "local host",
): Promise<NonNullable<Results["profile"]>> {
  const { config, fixture, servers, mainPrefix, path, log } = context;
  const env = fixture.tollgateEnv(mainPrefix, servers.direct.url);
  const functionsApp = (files: string[], appEnv: Record<string, string>) => ({
    entry: FUNCTIONS_HOST,
    env: { ...appEnv, FUNCTIONS_APP: files.map((file) => compiled(file)).join(",") },
    nodeArgs: ["--inspect=127.0.0.1:0", ...WORKER_NODE_ARGUMENTS],
  });
  const profiled = await startServer(
    `${on === "functions floor" ? "functions forwarder" : `tollgate (${on}`}, profiled)`,
    on === "local host"
      ? { entry: LOCAL_HOST, env, nodeArgs: ["--inspect=127.0.0.1:0", ...LOCAL_HOST_NODE_ARGUMENTS] }
      : on === "functions path"
        ? functionsApp(TOLLGATE_FUNCTIONS, env)
        : // The floor from tsc's output too, so that its frames name the same parts as tollgate's.
          functionsApp(["bench/servers/functions-forwarder.ts"], {
            BENCH_BACKEND_URL: servers.direct.url,
            BENCH_STREAM: "true",
          }),
  );
  try {
    await checkAllowed(
      "tollgate (profiled)",
      `${profiled.url}${path(1)}`,
      fixture.tokens[0] as string,
      profiled,
    );
    const load = { url: profiled.url, tokens: fixture.tokens, path, connections: config.connections };
    await warmUp(load, 1);
    // Only the load is profiled: the process's start would otherwise dominate a short profile.
    const { profile, result } = await profileDuring(profiled, () =>
      throughputRun({ ...load, seconds: config.profileSeconds }),
    );
    const name = {
      "local host": "tollgate-hot-path",
      "functions path": "tollgate-functions-path",
      "functions floor": "functions-forwarder",
    }[on];
    const file = join(mkdtempSync(join(tmpdir(), "tollgate-bench-")), `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    log(`profile: ${file} (open in Chrome DevTools or speedscope)`);
    return {
      summary: summariseProfile(profile),
      steps: pipelineCosts(profile, result.requestsPerSecond),
      areas: areaCosts(profile, result.requestsPerSecond),
      file,
      requestsPerSecond: result.requestsPerSecond,
    };
  } finally {
    await profiled.stop();
  }
}
