import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { buildBundle, buildServers, bundled, compiled, removeBuild } from "../lib/build.js";
import { startServer } from "../lib/child-server.js";
import { coldStart } from "../lib/cold-start.js";
import { FUNCTIONS_HOST, TOLLGATE_FUNCTIONS } from "../lib/context.js";
import { summariseProfileFile } from "../lib/cpu-profile.js";
import { freshPrefix, startFixture } from "../lib/fixture.js";

const keep = setInterval(() => {}, 60000);
buildServers();
await buildBundle();
const fixture = await startFixture(2);
const prefix = freshPrefix("p");
await fixture.pushPolicy(prefix);
const echo = await startServer("echo", { entry: "bench/servers/echo.ts", env: {} });
const dir = "/tmp/i14-cprof";
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
const env = {
  ...fixture.tollgateEnv(prefix, echo.url),
  ...(process.env.NCC ? { NODE_COMPILE_CACHE: process.env.NCC } : {}),
  FUNCTIONS_APP: TOLLGATE_FUNCTIONS.map(bundled)
    .map((f) => compiled(f))
    .join(","),
};
for (let i = 0; i < 3; i++) {
  const r = await coldStart({
    entry: FUNCTIONS_HOST,
    env,
    nodeArgs: WORKER_NODE_ARGUMENTS,
    path: "/orders/1",
    token: fixture.tokens[0] as string,
  });
  console.log("cold", Math.round(r.listeningMs), Math.round(r.firstAllowedMs));
}
const r = await coldStart({
  entry: FUNCTIONS_HOST,
  env,
  nodeArgs: [...WORKER_NODE_ARGUMENTS, "--cpu-prof", `--cpu-prof-dir=${dir}`],
  path: "/orders/1",
  token: fixture.tokens[0] as string,
});
console.log("prof", Math.round(r.listeningMs), Math.round(r.firstAllowedMs));
const s = summariseProfileFile(`${dir}/${readdirSync(dir)[0]}`, 30);
console.log(s.totalMs.toFixed(0), "ms busy", s.busyPercent.toFixed(0));
for (const f of s.functions.slice(0, 25)) console.log(f.percent.toFixed(1), f.name);
await echo.stop();
await fixture.stop();
removeBuild();
clearInterval(keep);
process.exit(0);
