// Backend faults under load: down, slow to answer, silent after its headers, resetting mid-body.
// Callers get 502/504 (or, once body bytes have gone out, a cut-off body they can tell from a whole one),
// the gateway recovers when the backend does, and no socket is left behind. Callers that go away
// mid-upload or mid-download take the backend call with them.

import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EchoedRequest } from "../../tools/loopback/echo-backend.js";
import { eventually, type Stack, startStack } from "../support/attack-stack.js";
import type { LocalHost } from "../support/local-host.js";
import { type Caller, caller } from "./caller.js";
import { outcomes, runLoad } from "./load.js";
import { callerConnections, connectionsTo, socketCensus } from "./sockets.js";

const MB = 1024 * 1024;
const FIRST_BYTE_TIMEOUT_MS = 500;

let stack: Stack;
let host: LocalHost;
let token: string;
let baselineSockets: number;

beforeAll(async () => {
  stack = await startStack({
    TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS: "500",
    TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS: String(FIRST_BYTE_TIMEOUT_MS),
    TOLLGATE_BACKEND_TIMEOUT_MS: "10000",
  });
  await stack.push({
    version: 1,
    rules: [
      {
        id: "orders",
        methods: ["GET", "POST"],
        path: "/orders/**",
        require: { roles: { anyOf: ["reader"] } },
      },
    ],
  });
  host = await stack.startHost();
  token = await stack.issuer.mint({ roles: ["reader"] });
  baselineSockets = await settledSockets();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

const gatewayPort = () => Number(new URL(host.url).port);

/** The gateway's socket count once no caller or backend connection is open (idle ones time out). */
async function settledSockets(): Promise<number> {
  await eventually(() => {
    const census = socketCensus(host.pid);
    return (
      connectionsTo(census, stack.backend.port).length === 0 &&
      callerConnections(census, gatewayPort()).length === 0
    );
  }, "the gateway holds no backend or caller connection");
  return socketCensus(host.pid).total;
}

/** Runs `count` requests through a fresh caller, then closes every connection that caller made. */
async function load(count: number, path = "/orders/1") {
  const client: Caller = caller(host.url, 8);
  try {
    return await runLoad({
      count,
      concurrency: 8,
      timeLimitMs: 20_000,
      send: () => client.call(path, token),
    });
  } finally {
    await client.close();
  }
}

describe("backend faults under load", () => {
  it("down: every request is 502 backend_unavailable, then 200 once it is back", async () => {
    await stack.backend.setMode("down");
    const during = await load(200);
    await stack.backend.setMode("ok");
    expect(outcomes(during)).toEqual({ "502 backend_unavailable": 200 });
    expect(outcomes(await load(50))).toEqual({ "200": 50 });
  });

  it("slow to send headers: 504 backend_timeout within the first-byte timeout", async () => {
    stack.backend.slowMs = 5_000;
    await stack.backend.setMode("slow-headers");
    const during = await load(16);
    await stack.backend.setMode("ok");
    expect(outcomes(during)).toEqual({ "504 backend_timeout": 16 });
    // The HTTP client checks its timers about once a second.
    expect(during.slowestMs).toBeLessThan(FIRST_BYTE_TIMEOUT_MS + 2_000);
    expect(outcomes(await load(50))).toEqual({ "200": 50 });
  });

  it("silent after its headers: 504 backend_timeout (nothing had gone to the caller yet)", async () => {
    stack.backend.slowMs = 5_000;
    await stack.backend.setMode("slow-body");
    const during = await load(16);
    await stack.backend.setMode("ok");
    expect(outcomes(during)).toEqual({ "504 backend_timeout": 16 });
    expect(during.slowestMs).toBeLessThan(FIRST_BYTE_TIMEOUT_MS + 2_000);
    expect(outcomes(await load(50))).toEqual({ "200": 50 });
  });

  it("resetting mid-body: the answer is cut off, never passed off as complete", async () => {
    await stack.backend.setMode("reset-mid-body");
    const during = await load(100, "/orders/download?bytes=262144");
    await stack.backend.setMode("ok");
    expect(outcomes(during)).toEqual({ "200 body-error": 100 });
    expect(outcomes(await load(50, "/orders/download?bytes=262144"))).toEqual({ "200": 50 });
  });

  it("no socket is left behind: the gateway's count returns to its baseline", async () => {
    const settled = await settledSockets();
    // Storage and issuer keep-alive connections come and go; a leak would be one per failed request.
    expect(settled).toBeLessThanOrEqual(baselineSockets + 2);
    const lingering = socketCensus(host.pid).tcp.filter((s) => s.state === "CLOSE_WAIT");
    expect(lingering).toEqual([]);
  });
});

/** Opens a raw connection and sends `head` (and `body`, if any); the caller destroys it. */
function open(head: string, body?: Buffer): Promise<Socket> {
  const { hostname, port } = new URL(host.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(head);
      if (body) socket.write(body);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

async function backendEntry(path: string, ready: (entry: EchoedRequest) => boolean): Promise<EchoedRequest> {
  let found: EchoedRequest | undefined;
  await eventually(() => {
    found = stack.backend.requests.find((entry) => entry.path === path && ready(entry));
    return found !== undefined;
  }, `the backend is receiving ${path}`);
  return found as EchoedRequest;
}

describe("callers that go away", () => {
  it("mid-upload and mid-download, under load: every backend call is aborted", async () => {
    const background = load(400);
    const uploads = Array.from({ length: 4 }, async (_, i) => {
      const path = `/orders/upload-${i}`;
      const socket = await open(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${50 * MB}\r\n\r\n`,
        Buffer.alloc(256 * 1024, 0x61),
      );
      const entry = await backendEntry(path, (e) => e.bodyBytes > 0);
      socket.destroy();
      return entry;
    });
    const downloads = Array.from({ length: 4 }, async (_, i) => {
      const path = `/orders/${i}/download?bytes=${200 * MB}`;
      const socket = await open(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
      let received = 0;
      await new Promise<void>((resolve) => {
        socket.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received >= MB) resolve();
        });
      });
      socket.destroy();
      return backendEntry(path, () => true);
    });
    const entries = await Promise.all([...uploads, ...downloads]);
    await eventually(() => entries.every((entry) => entry.aborted), "every backend call is aborted", 10_000);
    expect(outcomes(await background)).toEqual({ "200": 400 });
    // The uploads stopped early: nowhere near 50 MB reached the backend.
    for (const entry of entries.slice(0, 4)) expect(entry.bodyBytes).toBeLessThan(10 * MB);
    expect(await settledSockets()).toBeLessThanOrEqual(baselineSockets + 2);
  });
});
