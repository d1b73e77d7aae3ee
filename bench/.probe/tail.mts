import { buildServers, removeBuild } from "../lib/build.js";
import { startServer } from "../lib/child-server.js";
import { freshPrefix, startFixture } from "../lib/fixture.js";
import { openLoop, percentile } from "../lib/open-loop.js";

const keep = setInterval(() => {}, 60000);
buildServers();
const fixture = await startFixture(1000);
const prefix = freshPrefix("t");
await fixture.pushPolicy(prefix);
const echo = await startServer("echo", { entry: "bench/servers/echo.ts", env: {} });
const variants: [string, string[]][] = [
  ["default", []],
  ["semi 32", ["--max-semi-space-size=32"]],
  ["semi 64", ["--max-semi-space-size=64"]],
];
const servers = [];
for (const [name, args] of variants)
  servers.push(
    await startServer(name, {
      entry: "tools/local-host/main.ts",
      env: fixture.tollgateEnv(prefix, echo.url),
      nodeArgs: args,
    }),
  );
const res: Record<string, number[][]> = {};
for (let round = 0; round < 2; round++)
  for (let i = 0; i < servers.length; i++) {
    const s = servers[i]!;
    const r = await openLoop({
      url: s.url,
      rate: 1000,
      warmupSeconds: 1,
      seconds: 6,
      tokens: fixture.tokens,
      path: (k) => `/orders/${k % 1000}`,
    });
    const row = [50, 99, 99.9].map((p) => percentile(r.latenciesUs, p) / 1000);
    (res[s.name] ??= []).push(row);
    console.log(s.name, round, row.map((x) => x.toFixed(2)).join(" / "), "failures", r.failures);
  }
for (const s of servers) await s.stop();
await echo.stop();
await fixture.stop();
removeBuild();
clearInterval(keep);
process.exit(0);
