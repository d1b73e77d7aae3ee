import { spawn } from "node:child_process";
import { buildServers } from "../lib/build.js";
import { startServer } from "../lib/child-server.js";
import { freshPrefix, startFixture } from "../lib/fixture.js";

const keep = setInterval(() => {}, 60000);
buildServers();
const fixture = await startFixture(2);
const prefix = freshPrefix("p");
await fixture.pushPolicy(prefix);
const echo = await startServer("echo", { entry: "bench/servers/echo.ts", env: {} });
const env = {
  ...process.env,
  ...fixture.tollgateEnv(prefix, echo.url),
  FUNCTIONS_APP: process.env.APP ?? "dist/functions/gateway.js,dist/functions/timer.js",
  PORT: "0",
};
const child = spawn(
  process.execPath,
  ["tools/loopback/functions-path/main.ts"].map((f) =>
    process.env.TSX ? f : f.replace(/^tools/, "dist/tools").replace(/\.ts$/, ".js"),
  ),
  { env, stdio: ["ignore", "pipe", "inherit"] },
);
const url = await new Promise<string>((r) =>
  child.stdout.on("data", (d) => {
    process.stdout.write(d);
    const m = /listening on (\S+)/.exec(String(d));
    if (m) r(m[1]!);
  }),
);
for (const [p, h] of [
  ["/orders/1", { authorization: `Bearer ${fixture.tokens[0]}` }],
  ["/orders/1", {}],
  ["/.tollgate/health", {}],
  ["/orders/1", { authorization: `Bearer ${fixture.tokens[0]}, Bearer x` }],
] as const) {
  const t = performance.now();
  const r = await fetch(url + p, { headers: h });
  console.log(p, r.status, Math.round(performance.now() - t), "ms", (await r.text()).slice(0, 300));
}
child.kill();
await echo.stop();
await fixture.stop();
clearInterval(keep);
process.exit(0);
