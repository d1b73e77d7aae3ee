// The core alone: tollgate's handle against forwardRequest in one process with no HTTP server in
// front (bench/servers/core-path.ts), from the compiled output, so that what the checks cost per
// request is read without the noise of a server, the load generator and the backend sharing the
// machine's cores. Run by bench/run.ts (`npm run bench -- --only core`).

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { compiled } from "./lib/build.js";
import type { BenchContext } from "./lib/context.js";
import type { CorePathResult } from "./lib/results.js";

export async function corePath(context: BenchContext): Promise<CorePathResult> {
  const { config, fixture, servers, mainPrefix } = context;
  const dir = mkdtempSync(join(tmpdir(), "tollgate-core-"));
  try {
    const tokensFile = join(dir, "tokens");
    writeFileSync(tokensFile, fixture.tokens.join("\n"));
    const { stdout } = await promisify(execFile)(process.execPath, [compiled("bench/servers/core-path.ts")], {
      env: {
        ...process.env,
        ...fixture.tollgateEnv(mainPrefix, servers.direct.url),
        BENCH_BACKEND_URL: servers.direct.url,
        BENCH_TOKENS_FILE: tokensFile,
        BENCH_CORE_REQUESTS: String(config.coreRequests),
        BENCH_CORE_ROUNDS: String(config.coreRounds),
        BENCH_CORE_CONCURRENCY: String(config.connections),
      },
      maxBuffer: 1 << 20,
    });
    const line = stdout.trim().split("\n").at(-1) ?? "";
    return JSON.parse(line) as CorePathResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
