// The Functions-path harness carries requests as the host does in both of the library's modes:
// streaming (its proxy server) and buffered (bodies inside the invocation). Driven with the
// bare forwarder app the benchmark uses as its floor, in front of a real echo backend.

import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EchoBackend, startEchoBackend } from "../../tools/loopback/echo-backend.js";
import { type LocalHost, startFunctionsApp } from "../support/local-host.js";

let backend: EchoBackend;
const hosts: Partial<Record<"stream" | "buffered", LocalHost>> = {};

beforeAll(async () => {
  backend = await startEchoBackend();
  const start = (stream: boolean) =>
    startFunctionsApp("bench/servers/functions-forwarder.ts", {
      BENCH_BACKEND_URL: backend.url,
      BENCH_STREAM: String(stream),
    });
  [hosts.stream, hosts.buffered] = await Promise.all([start(true), start(false)]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([hosts.stream?.stop(), hosts.buffered?.stop(), backend?.stop()]);
});

describe.each(["stream", "buffered"] as const)("in %s mode", (mode) => {
  const url = () => (hosts[mode] as LocalHost).url;

  it("says which mode the app chose", () => {
    expect(hosts[mode]?.output()).toContain(`functions host (${mode}) listening`);
  });

  it("carries a body up and a body down, whole", async () => {
    const body = new Uint8Array(1024 * 1024).fill(7);
    const up = await fetch(`${url()}/orders/upload?x=1`, { method: "POST", body });
    expect(up.status).toBe(200);
    expect(backend.requests.at(-1)).toMatchObject({ path: "/orders/upload?x=1", bodyBytes: body.length });
    const down = await fetch(`${url()}/files/download?bytes=${2 * 1024 * 1024}`);
    expect(down.status).toBe(200);
    expect((await down.arrayBuffer()).byteLength).toBe(2 * 1024 * 1024);
  });

  it("hands the app repeated headers joined by a comma, as the host's trigger metadata does", async () => {
    // Two header lines (fetch would send one "a, b"), over a raw Node request.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${url()}/orders/1`,
        { headers: ["host", new URL(url()).host, "x-repeated", "a", "x-repeated", "b"] },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.once("error", reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(backend.requests.at(-1)?.headers["x-repeated"]).toBe("a,b");
  });

  it("answers 404 where no function's route matches, as the host does for its own /admin", async () => {
    expect((await fetch(`${url()}/admin/host/status`)).status).toBe(404);
  });
});
