import { spawn } from "node:child_process";
import { buildServers, compiled, ROOT, removeBuild } from "../lib/build.js";
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
  ["max 32", ["--max-semi-space-size=32"]],
  ["min 16 max 32", ["--min-semi-space-size=16", "--max-semi-space-size=32"]],
  ["min 32 max 32", ["--min-semi-space-size=32", "--max-semi-space-size=32"]],
];
for (const [name, args] of variants) {
  const child = spawn(process.execPath, ["--trace-gc", ...args, compiled("tools/local-host/main.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...fixture.tollgateEnv(prefix, echo.url), PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  const url = await new Promise<string>((r) => {
    const t = setInterval(() => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(t);
        r(m[1]!);
      }
    }, 20);
  });
  await openLoop({
    url,
    rate: 300,
    warmupSeconds: 1,
    seconds: 2,
    tokens: fixture.tokens,
    path: (k) => `/orders/${k % 1000}`,
  });
  const mark = out.length;
  const r = await openLoop({
    url,
    rate: 300,
    warmupSeconds: 0,
    seconds: 10,
    tokens: fixture.tokens,
    path: (k) => `/orders/${k % 1000}`,
  });
  const gc = out
    .slice(mark)
    .split("\n")
    .filter((l) => /Scavenge|Mark-Compact|Mark-sweep/.test(l));
  const pauses = (re: RegExp) =>
    gc.filter((l) => re.test(l)).map((l) => Number(/, ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? 0));
  const sc = pauses(/Scavenge/),
    mc = pauses(/Mark-Compact|Mark-sweep/);
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  console.log(
    name,
    `answers ${r.latenciesUs.length}`,
    `scavenges ${sc.length} total ${sum(sc).toFixed(1)} ms max ${Math.max(0, ...sc).toFixed(1)}`,
    `mark-compacts ${mc.length} total ${sum(mc).toFixed(1)} ms max ${Math.max(0, ...mc).toFixed(1)}`,
    `p50 ${(percentile(r.latenciesUs, 50) / 1000).toFixed(2)} p99 ${(percentile(r.latenciesUs, 99) / 1000).toFixed(2)}`,
  );
  if (name === "default") console.log(gc.slice(0, 3).join("\n"));
  child.kill();
}
await echo.stop();
await fixture.stop();
removeBuild();
clearInterval(keep);
process.exit(0);
