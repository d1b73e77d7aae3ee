// Starts a server entry (the local host, or one of bench/servers) as its own Node process, from
// its compiled JavaScript (see build.ts): one process per server, nothing wrapped around it, so its
// memory, CPU profile and start are the server's own.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { compiled, ROOT } from "./build.js";

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  /** Resident memory of the server process, in bytes (Linux /proc). */
  rssBytes(): number;
  /** Everything it printed, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Source path from the repository root, e.g. `tools/local-host/main.ts`; its compiled file runs. */
  entry: string;
  env: Record<string, string>;
  /** Extra Node flags before the entry, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** The environment without settings of ours that a parent shell may have set. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !entry[0].startsWith("TOLLGATE_") &&
        !entry[0].startsWith("BENCH_") &&
        entry[0] !== "APPLICATIONINSIGHTS_CONNECTION_STRING" &&
        entry[0] !== "NODE_OPTIONS",
    ),
  );
}

/** Spawns without waiting: `started` resolves with the URL once the server says it listens. */
export function spawnServer(
  name: string,
  options: SpawnOptions,
): { child: ChildProcess; started: Promise<ChildServer> } {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), compiled(options.entry)], {
    cwd: ROOT,
    env: { ...cleanEnv(), PORT: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let output = "";
  const append = (chunk: Buffer) => {
    // Room for a run's --trace-gc lines (the tail phase reads them), bounded all the same.
    output = (output + chunk.toString("utf8")).slice(-500_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      live.delete(child);
      resolve();
    }),
  );

  const started = new Promise<ChildServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
    };
    child.once("exit", onExit);
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stdout?.off("data", check);
      resolve({
        name,
        url: match[1],
        pid: child.pid ?? 0,
        output: () => output,
        rssBytes: () => {
          const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
          return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
        },
        async stop(graceMs = 5_000) {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          await exited;
          clearTimeout(timer);
        },
      });
    };
    child.stdout?.on("data", check);
  });
  return { child, started };
}

export function startServer(name: string, options: SpawnOptions): Promise<ChildServer> {
  return spawnServer(name, options).started;
}
