// forwardRequest against a real HTTP backend on loopback: paths, streaming both ways in flat
// memory, body limits, and what the caller gets when the backend is down, slow or breaks off.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BackendPools } from "../../../shared/forward/backend-pools.js";
import { type ForwardOptions, forwardRequest } from "../../../shared/forward/forward-request.js";
import { buildUpstreamHeaders } from "../../../shared/forward/header-hygiene.js";
import { HeaderList } from "../../../shared/forward/header-list.js";
import { TollgateError } from "../../../shared/reasons.js";
import { type EchoAnswer, type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";

const MiB = 1024 * 1024;
const PUBLIC_ORIGIN = "https://api.contoso.com";

// A full collection before each memory sample, so the samples show what is live, not garbage.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

interface MemorySample {
  rss: number;
  arrayBuffers: number;
}

function liveMemory(): MemorySample {
  gc();
  gc();
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rss, arrayBuffers };
}

/**
 * RSS growth that still counts as flat for a 50 MB body: less than the body, so it was never held
 * whole. Not tighter: a full collection frees the young generation's chunks but V8 keeps its
 * grown semi-spaces committed (up to 3 × 16 MB by default), so 38 MB was seen on a busy machine
 * with live ArrayBuffers under 8 MB. The ArrayBuffer bound is the exact one: socket chunks are
 * ArrayBuffers, and a buffered body shows there as 50 MB.
 */
const FLAT_RSS = 48 * MiB;

/** Tracks the largest live-memory growth over a baseline taken when it is made. */
class MemoryWatch {
  readonly #base = liveMemory();
  peakRss = 0;
  peakArrayBuffers = 0;

  sample(): void {
    const now = liveMemory();
    this.peakRss = Math.max(this.peakRss, now.rss - this.#base.rss);
    this.peakArrayBuffers = Math.max(this.peakArrayBuffers, now.arrayBuffers - this.#base.arrayBuffers);
  }
}

/** A request body of `total` bytes made on demand in fresh 64 KiB chunks; `onProgress` after each. */
function generatedBody(total: number, onProgress: (sent: number) => void | Promise<void> = () => {}) {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (sent >= total) {
          controller.close();
          return;
        }
        const size = Math.min(64 * 1024, total - sent);
        controller.enqueue(new Uint8Array(size).fill(0x62));
        sent += size;
        await onProgress(sent);
      },
    },
    { highWaterMark: 0 },
  );
}

async function drain(
  body: ReadableStream<Uint8Array> | null,
  onChunk: (received: number) => void = () => {},
) {
  let received = 0;
  if (body === null) return received;
  for await (const chunk of body) {
    received += chunk.byteLength;
    onChunk(received);
  }
  return received;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TollgateError) return error.reason;
    throw error;
  }
  return "succeeded";
}

let backend: EchoBackend;
let pools: BackendPools;

beforeEach(async () => {
  backend = await startEchoBackend();
  pools = new BackendPools();
});

afterEach(async () => {
  await pools.destroy();
  await backend.stop();
});

function send(
  path: string,
  init: RequestInit = {},
  options: Partial<ForwardOptions> & { base?: string } = {},
) {
  const request = new Request(`${PUBLIC_ORIGIN}${path}`, init.body ? { duplex: "half", ...init } : init);
  const headers = buildUpstreamHeaders(request.headers, {
    clientIp: "203.0.113.7",
    proto: "https",
    host: "api.contoso.com",
    principal: {
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      objectId: "00000000-0000-4000-8000-0000000000a1",
      clientAppId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      kind: "app",
      roles: ["Orders.Read"],
      scopes: [],
    },
    assertion: "assertion.jwt.here",
  });
  return forwardRequest(
    request,
    { backendUrl: `${backend.url}${options.base ?? "/api"}` },
    {
      headers,
      maxBodyBytes: 64 * MiB,
      timeouts: { connectMs: 2_000, firstByteMs: 5_000, totalMs: 20_000 },
      pools,
      ...options,
    },
  );
}

describe("forwardRequest: the request", () => {
  it("forwards a GET with its query to the backend base path, identity attached", async () => {
    const response = await send("/orders/42?status=open&tag=a%20b", {
      headers: { accept: "application/json", "x-tollgate-roles": "Admin", authorization: "Bearer a.b.c" },
    });
    expect(response.status).toBe(200);
    const echo = (await response.json()) as EchoAnswer;
    expect(echo.method).toBe("GET");
    expect(echo.path).toBe("/api/orders/42?status=open&tag=a%20b");
    expect(echo.headers.host).toBe(`127.0.0.1:${backend.port}`);
    expect(echo.headers.accept).toBe("application/json");
    expect(echo.headers["x-tollgate-roles"]).toBe("Orders.Read");
    expect(echo.headers["x-tollgate-assertion"]).toBe("assertion.jwt.here");
    expect(echo.headers["x-forwarded-host"]).toBe("api.contoso.com");
    expect(echo.headers.authorization).toBeUndefined();
  });

  it("sends the path exactly as authorised: no re-normalising, empty query kept", async () => {
    for (const [path, expected] of [
      ["/a//b/%2F/c;v=1?q=1&q=2", "/api/a//b/%2F/c;v=1?q=1&q=2"],
      ["/x?", "/api/x?"],
      ["/caf%C3%A9", "/api/caf%C3%A9"],
      ["/", "/api/"],
    ] as const) {
      const echo = (await (await send(path)).json()) as EchoAnswer;
      expect(echo.path).toBe(expected);
    }
    const root = (await (await send("/orders?x=1", {}, { base: "/" })).json()) as EchoAnswer;
    expect(root.path).toBe("/orders?x=1");
  });

  it("streams a POST body: the backend has bytes before the caller has sent them all", async () => {
    const total = 4 * MiB;
    const body = generatedBody(total, async (sent) => {
      // After the first 1 MiB, wait until the backend has seen some of it: a forwarder that
      // collected the whole body first would never get here.
      if (sent === MiB)
        await vi.waitFor(() => expect(backend.requests[0]?.bodyBytes ?? 0).toBeGreaterThan(0));
    });
    const response = await send("/upload", {
      method: "POST",
      body,
      headers: { "content-type": "application/octet-stream" },
    });
    const echo = (await response.json()) as EchoAnswer;
    expect(echo.method).toBe("POST");
    expect(echo.bodyBytes).toBe(total);
    expect(echo.headers["transfer-encoding"]).toBe("chunked");
  });

  it("passes a declared Content-Length on", async () => {
    const response = await send("/upload", {
      method: "PUT",
      body: generatedBody(100_000),
      headers: { "content-length": "100000" },
    });
    const echo = (await response.json()) as EchoAnswer;
    expect(echo.bodyBytes).toBe(100_000);
    expect(echo.headers["content-length"]).toBe("100000");
  });

  it("streams a 50 MB upload in flat memory", async () => {
    const total = 50 * MiB;
    const watch = new MemoryWatch();
    const body = generatedBody(total, (sent) => {
      if (sent % (5 * MiB) === 0) watch.sample();
    });
    const response = await send("/upload", { method: "POST", body });
    const echo = (await response.json()) as EchoAnswer;
    expect(echo.bodyBytes).toBe(total);
    expect(watch.peakArrayBuffers).toBeLessThan(8 * MiB);
    expect(watch.peakRss).toBeLessThan(FLAT_RSS);
  });

  it("reuses keep-alive connections for requests in turn", async () => {
    for (let i = 0; i < 10; i++) await (await send(`/n/${i}`)).arrayBuffer();
    expect(backend.requests).toHaveLength(10);
    // undici's pool may open a second connection while the first is being marked free after its
    // first answer; from then on the two are reused.
    expect(backend.connections).toBeLessThanOrEqual(2);
  });
});

describe("forwardRequest: the response", () => {
  it("comes back without hop-by-hop headers", async () => {
    const response = await send("/orders");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.has("connection")).toBe(false);
    expect(response.headers.has("keep-alive")).toBe(false);
    expect(response.headers.has("transfer-encoding")).toBe(false);
    await response.arrayBuffer();
  });

  it("streams a 50 MB download in flat memory", async () => {
    const total = 50 * MiB;
    const watch = new MemoryWatch();
    const response = await send(`/download?bytes=${total}`);
    expect(response.headers.get("content-length")).toBe(String(total));
    const received = await drain(response.body, (bytes) => {
      if (bytes % (5 * MiB) === 0) watch.sample();
    });
    expect(received).toBe(total);
    expect(watch.peakArrayBuffers).toBeLessThan(8 * MiB);
    expect(watch.peakRss).toBeLessThan(FLAT_RSS);
  });

  it("has no body for HEAD", async () => {
    const response = await send("/orders", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.body).toBeNull();
    await vi.waitFor(() => expect(backend.requests).toHaveLength(1));
  });

  it("gives the backend socket up when the caller stops reading", async () => {
    const response = await send(`/download?bytes=${50 * MiB}`);
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    await vi.waitFor(() => expect(backend.abortedRequests).toBe(1));
  });
});

describe("forwardRequest: body limits", () => {
  it("refuses a Content-Length over the limit with 413 before contacting the backend", async () => {
    const error = await send(
      "/upload",
      { method: "POST", body: generatedBody(2 * MiB), headers: { "content-length": String(2 * MiB) } },
      { maxBodyBytes: MiB },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).reason).toBe("request_body_too_large");
    expect((error as TollgateError).status).toBe(413);
    expect(backend.requests).toHaveLength(0);
    expect(backend.connections).toBe(0);
  });

  it("cuts off a chunked body that grows past the limit with 413 and abandons the backend call", async () => {
    const reason = await reasonOf(
      send("/upload", { method: "POST", body: generatedBody(8 * MiB) }, { maxBodyBytes: MiB }),
    );
    expect(reason).toBe("request_body_too_large");
    await vi.waitFor(() => expect(backend.abortedRequests).toBe(1));
    expect(backend.requests[0]?.bodyBytes ?? 0).toBeLessThanOrEqual(MiB);
  });

  it("lets a body of exactly the limit through", async () => {
    const response = await send(
      "/upload",
      { method: "POST", body: generatedBody(MiB) },
      { maxBodyBytes: MiB },
    );
    expect(((await response.json()) as EchoAnswer).bodyBytes).toBe(MiB);
  });
});

describe("forwardRequest: backend trouble", () => {
  it("answers 502 backend_unavailable when the backend is down", async () => {
    await backend.setMode("down");
    const error = await send("/orders").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).reason).toBe("backend_unavailable");
    expect((error as TollgateError).status).toBe(502);
    expect((error as TollgateError).message).not.toContain("127.0.0.1");
  });

  it("answers 502 for a host name that does not resolve", async () => {
    const request = new Request(`${PUBLIC_ORIGIN}/orders`);
    const reason = await reasonOf(
      forwardRequest(
        request,
        { backendUrl: "http://tollgate-no-such-backend.invalid" },
        {
          headers: new HeaderList(),
          maxBodyBytes: MiB,
          timeouts: { connectMs: 2_000, firstByteMs: 2_000, totalMs: 5_000 },
          pools,
        },
      ),
    );
    expect(reason).toBe("backend_unavailable");
  });

  it("recovers when the backend comes back", async () => {
    await backend.setMode("down");
    expect(await reasonOf(send("/orders"))).toBe("backend_unavailable");
    await backend.setMode("ok");
    expect((await send("/orders")).status).toBe(200);
  });

  it("answers 504 backend_timeout when the headers are slower than firstByteMs", async () => {
    await backend.setMode("slow-headers");
    backend.slowMs = 5_000;
    const started = Date.now();
    const error = await send(
      "/orders",
      {},
      { timeouts: { connectMs: 1_000, firstByteMs: 200, totalMs: 10_000 } },
    ).catch((e: unknown) => e);
    expect((error as TollgateError).reason).toBe("backend_timeout");
    expect((error as TollgateError).status).toBe(504);
    // undici runs its parser timeouts on a coarse (about half-second) clock.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("answers 504 when the whole exchange is slower than totalMs", async () => {
    await backend.setMode("slow-headers");
    backend.slowMs = 3_000;
    const reason = await reasonOf(
      send("/orders", {}, { timeouts: { connectMs: 1_000, firstByteMs: 5_000, totalMs: 200 } }),
    );
    expect(reason).toBe("backend_timeout");
  });

  // The headers arrived but no body byte did: nothing has gone to the caller yet, so it is a 504.
  it("answers 504 when the total time runs out before the first body byte", async () => {
    await backend.setMode("slow-body");
    backend.slowMs = 3_000;
    const reason = await reasonOf(
      send("/orders", {}, { timeouts: { connectMs: 1_000, firstByteMs: 5_000, totalMs: 300 } }),
    );
    expect(reason).toBe("backend_timeout");
  });

  it("answers 504 when the backend goes quiet after its headers for longer than firstByteMs", async () => {
    await backend.setMode("slow-body");
    backend.slowMs = 3_000;
    const reason = await reasonOf(
      send("/orders", {}, { timeouts: { connectMs: 1_000, firstByteMs: 200, totalMs: 10_000 } }),
    );
    expect(reason).toBe("backend_timeout");
  });

  it("fails the body with backend_unavailable when the backend resets mid-body", async () => {
    await backend.setMode("reset-mid-body");
    const response = await send(`/download?bytes=${4 * MiB}`);
    expect(response.status).toBe(200);
    expect(await reasonOf(drain(response.body))).toBe("backend_unavailable");
  });
});

describe("forwardRequest: the caller goes away", () => {
  it("aborts the backend call, which sees the request aborted", async () => {
    await backend.setMode("slow-headers");
    backend.slowMs = 10_000;
    const client = new AbortController();
    const pending = send("/orders", {}, { signal: client.signal });
    await vi.waitFor(() => expect(backend.requests).toHaveLength(1));
    client.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await vi.waitFor(() => expect(backend.abortedRequests).toBe(1));
  });

  it("aborts a download in progress", async () => {
    const client = new AbortController();
    const response = await send(`/download?bytes=${50 * MiB}`, {}, { signal: client.signal });
    const reader = response.body?.getReader();
    await reader?.read();
    client.abort();
    const readRest = async () => {
      for (;;) if ((await reader?.read())?.done !== false) return;
    };
    await expect(readRest()).rejects.toMatchObject({ name: "AbortError" });
    await vi.waitFor(() => expect(backend.abortedRequests).toBe(1));
  });

  it("passes on the error of a request body that fails mid-upload, and abandons the backend call", async () => {
    const broken = new Error("client connection reset");
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= MiB) {
          controller.error(broken);
          return;
        }
        controller.enqueue(new Uint8Array(64 * 1024));
        sent += 64 * 1024;
      },
    });
    await expect(send("/upload", { method: "POST", body })).rejects.toBe(broken);
    await vi.waitFor(() => expect(backend.abortedRequests).toBe(1));
  });

  it("does not call the backend when the caller has already gone", async () => {
    const client = new AbortController();
    client.abort();
    await expect(send("/orders", {}, { signal: client.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(backend.connections).toBe(0);
  });
});
