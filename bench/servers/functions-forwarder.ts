// The floor on the Functions path: a bare forwarder written as an @azure/functions app, an
// undici Pool streaming to the backend and no checks, run by the Functions-path harness
// (tools/loopback/functions-path) exactly as tollgate's app is. What it costs is the library's
// own request and response conversion and streaming, which tollgate on that path pays too.
//
//   BENCH_BACKEND_URL=… BENCH_STREAM=true|false FUNCTIONS_APP=<this file, compiled> node …/functions-path/main.js

import { Readable } from "node:stream";
import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { Pool } from "undici";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

const backendUrl = process.env.BENCH_BACKEND_URL;
if (!backendUrl) throw new Error("BENCH_BACKEND_URL is required");
const pool = new Pool(backendUrl);

// The same switch tollgate's app sets; off, bodies travel inside the invocation (buffered).
app.setup({ enableHttpStream: process.env.BENCH_STREAM !== "false" });

async function forward(request: HttpRequest): Promise<HttpResponseInit> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== "host") headers[name] = value;
  });
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  const answer = await pool.request({
    path: `${url.pathname}${url.search}`,
    method: request.method as "GET",
    headers,
    body: hasBody && request.body ? Readable.fromWeb(request.body) : null,
  });
  const out = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return {
    status: answer.statusCode,
    headers: out,
    body: answer.body as unknown as AsyncIterable<Uint8Array>,
  };
}

app.http("forward", {
  route: "{*path}",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: forward,
});
