import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { buildServers, removeBuild } from "../lib/build.js";
import { startServer } from "../lib/child-server.js";
import { coldStart } from "../lib/cold-start.js";
import { summariseProfileFile } from "../lib/cpu-profile.js";
import { freshPrefix, startFixture } from "../lib/fixture.js";

const keep = setInterval(() => {}, 60000);
buildServers();
const fixture = await startFixture(2);
const prefix = freshPrefix("p");
await fixture.pushPolicy(prefix);
const echo = await startServer("echo", { entry: "bench/servers/echo.ts", env: {} });
const entry = process.argv[2] ?? "tools/local-host/main.ts";
const extra = JSON.parse(process.argv[3] ?? "{}");
const dir = "/tmp/i14-prof";
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
for (let i = 0; i < 3; i++) {
  const r = await coldStart({
    entry,
    env: { ...fixture.tollgateEnv(prefix, echo.url), ...extra },
    path: "/orders/1",
    token: fixture.tokens[0]!,
  });
  console.log("cold", Math.round(r.listeningMs), Math.round(r.firstAllowedMs));
}
if (process.env.PROF) {
  const { spawnServer } = await import("../lib/child-server.js");
  const r = await coldStart({
    entry,
    env: {
      ...fixture.tollgateEnv(prefix, echo.url),
      ...extra,
      NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}`,
    },
    path: "/orders/1",
    token: fixture.tokens[0]!,
  });
  console.log("prof run", Math.round(r.firstAllowedMs));
  const f = readdirSync(dir)[0]!;
  const s = summariseProfileFile(`${dir}/${f}`, 25);
  console.log(
    JSON.stringify(
      { total: s.totalMs, busy: s.busyPercent, areas: s.areas, functions: s.functions.slice(0, 15) },
      null,
      1,
    ),
  );
}
await echo.stop();
await fixture.stop();
removeBuild();
clearInterval(keep);
process.exit(0);
