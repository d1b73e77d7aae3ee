// Where tollgate's time goes: a second tollgate process with the same settings and tables,
// CPU-profiled through the inspector only while it is under the throughput load.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAllowed } from "../lib/checks.js";
import { startServer } from "../lib/child-server.js";
import { type BenchContext, LOCAL_HOST } from "../lib/context.js";
import { summariseProfile } from "../lib/cpu-profile.js";
import { profileDuring } from "../lib/inspector-profile.js";
import type { Results } from "../lib/results.js";
import { throughputRun } from "../lib/throughput.js";

export async function profileHotPath(context: BenchContext): Promise<NonNullable<Results["profile"]>> {
  const { config, fixture, servers, mainPrefix, path, log } = context;
  const profiled = await startServer("tollgate (profiled)", {
    entry: LOCAL_HOST,
    env: fixture.tollgateEnv(mainPrefix, servers.direct.url),
    nodeArgs: ["--inspect=127.0.0.1:0"],
  });
  try {
    await checkAllowed(
      "tollgate (profiled)",
      `${profiled.url}${path(1)}`,
      fixture.tokens[0] as string,
      profiled,
    );
    const load = (seconds: number) =>
      throughputRun({
        url: profiled.url,
        tokens: fixture.tokens,
        path,
        connections: config.connections,
        seconds,
      });
    await load(1);
    // Only the load is profiled: the process's start would otherwise dominate a short profile.
    const { profile, result } = await profileDuring(profiled, () => load(config.profileSeconds));
    const file = join(mkdtempSync(join(tmpdir(), "tollgate-bench-")), "tollgate-hot-path.cpuprofile");
    writeFileSync(file, JSON.stringify(profile));
    log(`profile: ${file} (open in Chrome DevTools or speedscope)`);
    return { summary: summariseProfile(profile), file, requestsPerSecond: result.requestsPerSecond };
  } finally {
    await profiled.stop();
  }
}
