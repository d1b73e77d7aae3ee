// The worker's Node flags are deployed as measured: infra/main.bicep's
// languageWorkers__node__arguments is exactly what the benchmark and the Functions-path tests
// start the harness with (tools/loopback/functions-path/worker-node-arguments.ts).

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  LARGER_YOUNG_GENERATION,
  WORKER_NODE_ARGUMENTS,
} from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { literalString } from "./support/bicep.js";
import { loadMain, setting } from "./support/infra-files.js";

describe("infra/main.bicep: the worker's Node flags", () => {
  it("sets languageWorkers__node__arguments to the flags the benchmark measured", () => {
    const value = literalString(setting(loadMain(), "languageWorkers__node__arguments"));
    expect(value?.split(" ")).toEqual(WORKER_NODE_ARGUMENTS);
  });
});

/** What Node says about its built-in modules' code cache while loading node:http2 and the web Response. */
function codeCacheVerdicts(flags: string[]): { accepted: number; rejected: number } {
  const run = spawnSync(process.execPath, [...flags, "-e", 'require("node:http2"); Response;'], {
    env: { ...process.env, NODE_OPTIONS: "", NODE_DEBUG_NATIVE: "CODE_CACHE" },
    encoding: "utf8",
  });
  const output = `${run.stdout}${run.stderr}`;
  return {
    accepted: output.match(/ is accepted/g)?.length ?? 0,
    rejected: output.match(/ is rejected/g)?.length ?? 0,
  };
}

describe("the worker's Node flags and Node's code cache", () => {
  it("keep the code cache Node ships for its built-in modules, so a cold start does not compile them", () => {
    const verdicts = codeCacheVerdicts(WORKER_NODE_ARGUMENTS);
    expect(verdicts.accepted).toBeGreaterThan(10);
    expect(verdicts.rejected).toBe(0);
  });

  it("would lose it with a heap-size flag: why the larger young generation is not deployed", () => {
    const verdicts = codeCacheVerdicts([LARGER_YOUNG_GENERATION, ...WORKER_NODE_ARGUMENTS]);
    expect(verdicts.rejected).toBeGreaterThan(10);
    expect(verdicts.accepted).toBe(0);
  });
});
