import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { buildBundle, buildServers, bundled, compiled, removeBuild } from "../lib/build.js";
import { startServer } from "../lib/child-server.js";
import { FUNCTIONS_HOST, TOLLGATE_FUNCTIONS } from "../lib/context.js";
import { freshPrefix, startFixture } from "../lib/fixture.js";
import { throughputRun } from "../lib/throughput.js";

const keep = setInterval(() => {}, 60000);
buildServers();
await buildBundle();
const fixture = await startFixture(500);
const prefix = freshPrefix("t");
await fixture.pushPolicy(prefix);
const echo = await startServer("echo", { entry: "bench/servers/echo.ts", env: {} });
const env = fixture.tollgateEnv(prefix, echo.url);
const app = (files: string[], extra = {}) => ({
  entry: FUNCTIONS_HOST,
  env: { ...env, ...extra, FUNCTIONS_APP: files.map((f) => compiled(f)).join(",") },
  nodeArgs: WORKER_NODE_ARGUMENTS,
});
const targets = {
  bundle: await startServer("bundle", app(TOLLGATE_FUNCTIONS.map(bundled))),
  tsc: await startServer("tsc", app(TOLLGATE_FUNCTIONS)),
  floor: await startServer(
    "floor",
    app([bundled("bench/servers/functions-forwarder.ts")], { BENCH_BACKEND_URL: echo.url }),
  ),
  floorTsc: await startServer(
    "floorTsc",
    app(["bench/servers/functions-forwarder.ts"], { BENCH_BACKEND_URL: echo.url }),
  ),
};
const path = (i: number) => `/orders/${i % 1000}`;
for (const [n, s] of Object.entries(targets))
  await throughputRun({ url: s.url, tokens: fixture.tokens, path, connections: 32, seconds: 1 });
for (let r = 0; r < 2; r++)
  for (const [n, s] of Object.entries(targets)) {
    const x = await throughputRun({ url: s.url, tokens: fixture.tokens, path, connections: 32, seconds: 3 });
    console.log(r, n, Math.round(x.requestsPerSecond), "non2xx", x.non2xx, "err", x.errors);
  }
for (const s of Object.values(targets)) await s.stop();
await echo.stop();
await fixture.stop();
removeBuild();
clearInterval(keep);
process.exit(0);
