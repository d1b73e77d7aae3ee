// A real HTTP backend on loopback for tests and benchmarks: it echoes what reached it as JSON,
// streams downloads of any size, and can be made slow, broken or unreachable on demand.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * How the backend behaves from now on.
 * - ok: answers as soon as the request body has been read.
 * - slow-headers: waits `slowMs` after reading the body before sending the status line.
 * - slow-body: sends the headers at once, then waits `slowMs` before the body.
 * - reset-mid-body: sends the headers and half the body, then destroys the connection.
 * - down: not listening (connections are refused) and every open connection closed.
 */
export type EchoMode = "ok" | "slow-headers" | "slow-body" | "reset-mid-body" | "down";

export interface EchoedRequest {
  method: string;
  /** Path and query exactly as on the request line. */
  path: string;
  /** Lowercased names; a header sent more than once has its values joined with ", ". */
  headers: Record<string, string>;
  /** Body bytes received so far (counted, not kept). */
  bodyBytes: number;
  /** The client went away before the answer was complete. */
  aborted: boolean;
}

/** What the backend answers for every path but /download. */
export interface EchoAnswer {
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyBytes: number;
}

const DOWNLOAD_CHUNK = 64 * 1024;

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values !== undefined) headers[name] = values.join(", ");
  }
  return headers;
}

export class EchoBackend {
  readonly port: number;
  readonly url: string;
  /** Every request that reached the backend, in arrival order. */
  readonly requests: EchoedRequest[] = [];
  /** How long the slow modes wait, in milliseconds. */
  slowMs = 1_000;

  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #mode: EchoMode = "ok";
  #connections = 0;
  #abortedRequests = 0;
  /**
   * Whether the JSON answer repeats the request's headers (what the tests read). The benchmark
   * turns it off: there a proxy that adds headers would otherwise be charged for them twice, once
   * on the way in and again as a larger answer on the way back, which no real backend does.
   */
  echoHeaders = true;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    server.on("connection", (socket) => {
      this.#connections++;
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    server.on("request", (req, res) => this.#handle(req, res));
  }

  /** Starts a backend on a free loopback port. */
  static async start(): Promise<EchoBackend> {
    const server = createServer({ keepAliveTimeout: 5_000 });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
    });
    const address = server.address();
    if (typeof address !== "object" || address === null) throw new Error("echo backend: no TCP address");
    return new EchoBackend(server, address.port);
  }

  get mode(): EchoMode {
    return this.#mode;
  }

  /** TCP connections accepted so far (fewer than requests when keep-alive reuses them). */
  get connections(): number {
    return this.#connections;
  }

  /** Requests the client abandoned before the answer was complete. */
  get abortedRequests(): number {
    return this.#abortedRequests;
  }

  async setMode(mode: EchoMode): Promise<void> {
    const wasDown = this.#mode === "down";
    this.#mode = mode;
    if (mode === "down" && !wasDown) {
      await this.#closeListener();
    } else if (mode !== "down" && wasDown) {
      await new Promise<void>((resolve, reject) => {
        this.#server.once("error", reject);
        this.#server.listen({ host: "127.0.0.1", port: this.port }, () => {
          this.#server.off("error", reject);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#server.listening) await this.#closeListener();
  }

  #closeListener(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    return closed;
  }

  #later(ms: number, res: ServerResponse, then: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!res.destroyed) then();
    }, ms);
    this.#timers.add(timer);
    res.once("close", () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? "";
    const entry: EchoedRequest = {
      method: req.method ?? "",
      path,
      headers: flatHeaders(req),
      bodyBytes: 0,
      aborted: false,
    };
    this.requests.push(entry);
    let resetByUs = false;
    res.once("close", () => {
      if (!res.writableFinished && !resetByUs) {
        entry.aborted = true;
        this.#abortedRequests++;
      }
    });
    // A client that goes away makes the request emit 'error' (ECONNRESET); it is counted above.
    req.on("error", () => {});
    req.on("data", (chunk: Buffer) => {
      entry.bodyBytes += chunk.length;
    });
    req.once("end", () => {
      const mode = this.#mode;
      const download = downloadSize(path);
      const body =
        download === undefined
          ? Buffer.from(
              JSON.stringify({
                method: entry.method,
                path,
                ...(this.echoHeaders ? { headers: entry.headers } : {}),
                bodyBytes: entry.bodyBytes,
              }),
            )
          : undefined;
      const length = download ?? body?.length ?? 0;
      const contentType = download === undefined ? "application/json" : "application/octet-stream";
      const sendHead = () => {
        // JSON answers go chunked, downloads with a Content-Length, so both framings get exercised.
        const headers: Record<string, string | number> = { "content-type": contentType };
        if (download !== undefined || mode === "reset-mid-body") headers["content-length"] = length;
        res.writeHead(200, headers);
        res.flushHeaders();
      };
      const sendBody = (bytes: number, then: () => void) => {
        if (body !== undefined) {
          res.write(body.subarray(0, bytes));
          then();
        } else {
          streamBytes(res, bytes, then);
        }
      };

      if (mode === "slow-headers") {
        this.#later(this.slowMs, res, () => {
          sendHead();
          sendBody(length, () => res.end());
        });
      } else if (mode === "slow-body") {
        sendHead();
        this.#later(this.slowMs, res, () => sendBody(length, () => res.end()));
      } else if (mode === "reset-mid-body") {
        sendHead();
        sendBody(Math.floor(length / 2), () => {
          resetByUs = true;
          // Let the half already written leave before the connection is cut.
          this.#later(20, res, () => res.socket?.destroy());
        });
      } else {
        sendHead();
        sendBody(length, () => res.end());
      }
    });
  }
}

/** N for a GET of any path ending in /download with `?bytes=N`; undefined for anything else. */
function downloadSize(path: string): number | undefined {
  const url = new URL(path, "http://echo");
  if (!url.pathname.endsWith("/download")) return undefined;
  const bytes = Number(url.searchParams.get("bytes") ?? "0");
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : 0;
}

/** Writes `total` bytes in fresh 64 KiB chunks, waiting for 'drain' so nothing piles up here. */
function streamBytes(res: ServerResponse, total: number, then: () => void): void {
  let left = total;
  const writeSome = () => {
    while (left > 0) {
      if (res.destroyed) return;
      const size = Math.min(DOWNLOAD_CHUNK, left);
      left -= size;
      if (!res.write(Buffer.alloc(size, 0x61))) {
        res.once("drain", writeSome);
        return;
      }
    }
    then();
  };
  writeSome();
}

/** Starts an echo backend on a free loopback port; `stop()` it when done. */
export function startEchoBackend(): Promise<EchoBackend> {
  return EchoBackend.start();
}
