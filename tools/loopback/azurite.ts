// Azurite Table Storage on loopback for tests: start on a free port, stop, and restart on the same
// port (fault tests take storage away mid-run and bring it back).

import { type ChildProcess, spawn } from "node:child_process";
import { get } from "node:http";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";

/** Azurite's fixed development account; the key is public and documented by Microsoft. */
export const DEVSTORE_ACCOUNT_NAME = "devstoreaccount1";
export const DEVSTORE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteHandle {
  port: number;
  /** Works with `TableClient.fromConnectionString(cs, name, { allowInsecureConnection: true })`. */
  connectionString: string;
  /** Kills the process (SIGKILL, like a crash) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Starts again on the same port; stops first if still running. In-memory data is gone. */
  restart(): Promise<void>;
}

// The bin is a node script with an `env node` shebang, so it runs on whatever `node` PATH names
// (Node 22 from node_modules/.bin under npm scripts and npx).
const AZURITE_TABLE = fileURLToPath(new URL("../../node_modules/.bin/azurite-table", import.meta.url));
const WATCHDOG = fileURLToPath(new URL("./azurite-watchdog.cjs", import.meta.url));
const START_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 50;
const OUTPUT_TAIL_CHARS = 4_000;

/** Fresh ports tried before giving up, when another process takes each one first. */
const START_ATTEMPTS = 5;

/**
 * A free port is only free until someone binds it, and Azurite binds it a second or so after
 * freePort() closed its listener: on a busy machine (the whole suite's workers starting servers
 * at once) another process can take it in between, and Azurite exits with EADDRINUSE. Then it
 * starts again on another free port.
 */
export async function startAzurite(
  /** Where ports come from; tests hand it a taken one first. */
  nextPort: () => Promise<number> = freePort,
): Promise<AzuriteHandle> {
  for (let attempt = 1; ; attempt++) {
    const azurite = new AzuriteProcess(await nextPort());
    try {
      await azurite.restart();
      return azurite;
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

/** Azurite ended at start because something else holds its port. */
class PortTakenError extends Error {}

class AzuriteProcess implements AzuriteHandle {
  readonly port: number;
  readonly connectionString: string;
  #child: ChildProcess | undefined;
  #stopping: Promise<void> | undefined;

  constructor(port: number) {
    this.port = port;
    this.connectionString =
      `DefaultEndpointsProtocol=http;AccountName=${DEVSTORE_ACCOUNT_NAME};AccountKey=${DEVSTORE_ACCOUNT_KEY};` +
      `TableEndpoint=http://127.0.0.1:${port}/${DEVSTORE_ACCOUNT_NAME};`;
  }

  stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return Promise.resolve();
    this.#stopping ??= killAndWait(child).finally(() => {
      this.#child = undefined;
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.#child = await launch(this.port);
  }
}

async function launch(port: number): Promise<ChildProcess> {
  const args = [
    "--tableHost",
    "127.0.0.1",
    "--tablePort",
    String(port),
    "--inMemoryPersistence",
    // Without it Azurite tries to reach the internet.
    "--disableTelemetry",
    "--silent",
    "--skipApiVersionCheck",
    "--loose",
  ];
  const child = spawn(AZURITE_TABLE, args, {
    // The IPC channel is only there so the watchdog sees this process end.
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require "${WATCHDOG}"`.trim() },
  });
  killOnProcessExit(child);
  const output = captureOutput(child);
  let exited = false;
  // "close", not "exit": by then its output has been read, and it says why it ended.
  child.once("close", () => {
    exited = true;
  });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
    exited = true;
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      const how = spawnError ? spawnError.message : `exit code ${child.exitCode}, signal ${child.signalCode}`;
      const message = `Azurite (table) on port ${port} ended before it listened (${how}).\n${output()}`;
      throw output().includes("EADDRINUSE") ? new PortTakenError(message) : new Error(message);
    }
    if (await answersAsAzurite(port)) return child;
    if (Date.now() > deadline) {
      await killAndWait(child);
      throw new Error(
        `Azurite (table) did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms.\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Keeps the last few thousand characters of the child's stdout and stderr for error messages. */
function captureOutput(child: ChildProcess): () => string {
  let tail = "";
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", append);
    // A test that forgets stop() must not keep its worker alive; the exit hook still kills the child.
    if (stream && "unref" in stream && typeof stream.unref === "function") stream.unref();
  }
  child.unref();
  child.channel?.unref();
  return () =>
    tail.trim() === "" ? "(Azurite wrote nothing to stdout or stderr)" : `Azurite output:\n${tail}`;
}

/**
 * True when Azurite's table service answers on the port. An open port alone is not enough: another
 * process may hold it (then Azurite exits with EADDRINUSE), so the answer must name Azurite.
 */
function answersAsAzurite(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(
      { host: "127.0.0.1", port, path: `/${DEVSTORE_ACCOUNT_NAME}/Tables`, agent: false, timeout: 1_000 },
      (response) => {
        response.resume();
        resolve(/^Azurite-Table\//.test(String(response.headers.server ?? "")));
      },
    );
    request.once("error", () => resolve(false));
    request.once("timeout", () => request.destroy());
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

// Children that outlive a crashed or interrupted test run would hold ports and memory; the
// 'exit' hook is synchronous, which is all kill() needs.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnProcessExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of liveChildren) c.kill("SIGKILL");
    });
  }
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
}
