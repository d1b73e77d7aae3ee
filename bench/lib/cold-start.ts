// Cold start: from spawning a process to its first allowed answer, polling a fixed port, so the
// time covers Node's start, module loading, settings, keys, the role map and the first decision.

import { request } from "node:http";
import { freePort } from "../../tools/loopback/ports.js";
import { spawnServer } from "./child-server.js";

export interface ColdStart {
  /** Spawn to the "listening" line on stdout, in ms. */
  listeningMs: number;
  /** Spawn to the first 2xx answer, in ms. */
  firstAllowedMs: number;
  /** When the process was spawned, on the monotonic clock (µs) a CPU profile of it also uses. */
  spawnedAtUs: number;
}

function tryOnce(port: number, path: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path, headers: { authorization: `Bearer ${token}` }, agent: false },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(5_000, () => req.destroy());
    req.once("error", () => resolve(0));
    req.end();
  });
}

interface ColdStartOptions {
  entry: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  path: string;
  token: string;
  pollMs?: number;
  timeoutMs?: number;
}

/** Starts measured afresh on another port when the first was taken before the child bound it. */
const PORT_ATTEMPTS = 3;

/**
 * The port must be known before the child starts, to poll it from the first moment, so it comes
 * from freePort(); another process may take it before the child binds it. Then the child ends
 * with EADDRINUSE, and that start, which measured nothing, is made again on another port.
 */
export async function coldStart(options: ColdStartOptions): Promise<ColdStart> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await coldStartOn(await freePort(), options);
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes("EADDRINUSE");
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function coldStartOn(port: number, options: ColdStartOptions): Promise<ColdStart> {
  const started = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - started) / 1e6;
  const { started: listening } = spawnServer("cold start", {
    entry: options.entry,
    env: { ...options.env, PORT: String(port) },
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  let listeningMs = Number.NaN;
  let failure: unknown;
  const server = listening.then(
    (s) => {
      listeningMs = since();
      return s;
    },
    (error: unknown) => {
      failure = error;
      return undefined;
    },
  );
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      if (failure !== undefined) throw failure;
      const status = await tryOnce(port, options.path, options.token);
      if (status >= 200 && status < 300) {
        const firstAllowedMs = since();
        // The line may be read from the pipe a moment after the answer: wait for it.
        await server;
        return {
          listeningMs: Math.min(listeningMs, firstAllowedMs),
          firstAllowedMs,
          spawnedAtUs: Number(started / 1000n),
        };
      }
      if (Date.now() > deadline) {
        const output = listeningMs >= 0 ? (await server)?.output().slice(-2000) : undefined;
        throw new Error(
          `no allowed answer within ${options.timeoutMs ?? 30_000} ms (last status ${status || "none"})${output ? `; it printed:\n${output}` : ""}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5));
    }
  } finally {
    await (await server)?.stop();
  }
}
