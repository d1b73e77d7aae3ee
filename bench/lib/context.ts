// What every phase of a run works with: the settings of the run, the world (Azurite, issuer,
// tokens) and the running targets.

import { readdirSync } from "node:fs";
import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import type { ChildServer } from "./child-server.js";
import type { Fixture } from "./fixture.js";
import type { RunConfig, TargetId } from "./results.js";

export const LOCAL_HOST = "tools/local-host/main.ts";
/** The Functions-path harness: the host's part around the real @azure/functions. */
export const FUNCTIONS_HOST = "tools/loopback/functions-path/main.ts";
/** The local host runs with the worker's heap flags too (its header limit is its own server option). */
export const LOCAL_HOST_NODE_ARGUMENTS = WORKER_NODE_ARGUMENTS.filter(
  (flag) => !flag.startsWith("--max-http-header-size"),
);
/** tollgate's Functions app: every file in functions/, as package.json `main` names them. */
export const TOLLGATE_FUNCTIONS = readdirSync(new URL("../../functions/", import.meta.url))
  .filter((name) => name.endsWith(".ts"))
  .sort()
  .map((name) => `functions/${name}`);

export interface BenchContext {
  config: RunConfig;
  fixture: Fixture;
  /** Every target, running; `direct` is the echo backend itself. */
  servers: Record<TargetId, ChildServer>;
  /** The table prefix of the main tollgate instance (its keys are in the Table snapshot). */
  mainPrefix: string;
  /** The request path of request i. */
  path: (i: number) => string;
  log: (line: string) => void;
}
