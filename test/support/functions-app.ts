// The built app as the Functions host loads it: the files `package.json` `main` names, loaded in
// a child process with a stand-in for the worker's core module (functions-host-standin.mjs) and
// only the settings a test gives (none of the runner's own TOLLGATE_* or telemetry settings).

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STAND_IN = fileURLToPath(new URL("./functions-host-standin.mjs", import.meta.url));

/** The fewest settings the app starts with. */
export const GOOD_ENV = {
  TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  TOLLGATE_AUDIENCES: "api://tollgate-demo",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};

const INHERITED = (name: string) =>
  !name.startsWith("TOLLGATE_") &&
  name !== "AzureWebJobsStorage" &&
  name !== "APPLICATIONINSIGHTS_CONNECTION_STRING";

/** Loads the app under `appRoot` (the repository by default); stdout's last line is what registered. */
export function loadFunctionsApp(env: Record<string, string | undefined>, appRoot = ROOT) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => INHERITED(name)));
  return spawnSync(process.execPath, [STAND_IN, appRoot], {
    env: { ...inherited, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}
