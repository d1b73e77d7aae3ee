// Runs the local host (`npm run serve`) as its own process, as users and the benchmarks do, so
// tests see the real adapter and can measure the gateway's own memory.

import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalHost {
  url: string;
  pid: number;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** Resident memory of the gateway process, in bytes (Linux /proc). */
  rssBytes(): number;
  stop(): Promise<void>;
  kill(): void;
}

// A bound, not a wait: the host is taken the moment it says it listens. Several hosts starting at
// once on a busy 2-core machine (each compiling with tsx) can take well over 30 s.
export function startLocalHost(env: Record<string, string>, timeoutMs = 90_000): Promise<LocalHost> {
  return spawnHost(
    "local host",
    ["--import", "tsx", "tools/local-host/main.ts"],
    env,
    /tollgate listening on (http:\/\/127\.0\.0\.1:\d+)/,
    timeoutMs,
  );
}

/** The deploy bundle's files (test/support/build.ts writes them), as package.json `main` would list them. */
export function bundledApp(): string {
  const dir = join(ROOT, "dist", "bundle", "functions");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".js"))
    .sort()
    .map((name) => join(dir, name))
    .join(",");
}

/**
 * tollgate's deploy bundle on the Functions path (tools/loopback/functions-path): the real
 * @azure/functions library converts and streams every request, as under the Functions host.
 */
export function startFunctionsPathHost(env: Record<string, string>, timeoutMs = 90_000): Promise<LocalHost> {
  return startFunctionsApp(bundledApp(), env, timeoutMs);
}

/** Any Functions app's files (comma-separated; TypeScript or built) in the Functions-path harness. */
export function startFunctionsApp(
  files: string,
  env: Record<string, string>,
  // The same bound as startLocalHost's: it only ends a start that will never print its line.
  timeoutMs = 90_000,
): Promise<LocalHost> {
  return spawnHost(
    "functions path host",
    // The Node flags infra/ sets for the worker (languageWorkers__node__arguments).
    [...WORKER_NODE_ARGUMENTS, "--import", "tsx", "tools/loopback/functions-path/main.ts"],
    { FUNCTIONS_APP: files, ...env },
    /functions host \((?:stream|buffered)\) listening on (http:\/\/127\.0\.0\.1:\d+)/,
    timeoutMs,
  );
}

async function spawnHost(
  name: string,
  args: string[],
  env: Record<string, string>,
  listening: RegExp,
  timeoutMs: number,
): Promise<LocalHost> {
  const clean = Object.fromEntries(
    // Nothing from the developer's shell leaks in: no settings, no real Application Insights resource.
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("TOLLGATE_") && name !== "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    // tsx as a loader in this very process (not its CLI, which runs the program in a second
    // process): pid, memory and kill() must be the gateway's own.
    args,
    {
      cwd: ROOT,
      env: { ...clean, PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), timeoutMs);
    const check = () => {
      const match = listening.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    pid: child.pid ?? 0,
    output: () => output,
    rssBytes: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    kill() {
      child.kill("SIGKILL");
    },
  };
}

/** Polls the host's readiness until it answers 200 (keys and role map loaded); throws with its output. */
export async function waitUntilReady(host: LocalHost, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await fetch(`${host.url}/.tollgate/ready`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`local host never became ready:\n${host.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
