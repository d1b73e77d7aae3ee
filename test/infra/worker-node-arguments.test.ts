// The worker's Node flags are deployed as measured: infra/main.bicep's
// languageWorkers__node__arguments is exactly what the benchmark and the Functions-path tests
// start the harness with (tools/loopback/functions-path/worker-node-arguments.ts).

import { describe, expect, it } from "vitest";
import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { literalString } from "./support/bicep.js";
import { loadMain, setting } from "./support/infra-files.js";

describe("infra/main.bicep: the worker's Node flags", () => {
  it("sets languageWorkers__node__arguments to the flags the benchmark measured", () => {
    const value = literalString(setting(loadMain(), "languageWorkers__node__arguments"));
    expect(value?.split(" ")).toEqual(WORKER_NODE_ARGUMENTS);
  });
});
