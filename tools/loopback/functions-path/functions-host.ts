// The Functions host's part, played on loopback: an HTTP front end that routes each request to an
// HTTP function and runs it through @azure/functions as the host and the Node worker do. With
// HTTP streaming on (the app called app.setup({ enableHttpStream: true }), so the library
// reported an HttpUri), the request is proxied to the library's own HTTP server with an
// `x-ms-invocation-id` header, the invocation for that id runs (getInvocationModel →
// getArguments → the handler → getResponse) and the library streams the answer back over the
// proxied request; without it, the body travels in the invocation (RpcHttp) both ways, as over
// the host's gRPC channel. Either way the library's own request and response conversion runs.

import { randomUUID } from "node:crypto";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { hostHeaders } from "./host-headers.js";
import { type HttpFunction, httpFunctions, type RouteMatch, routeRequest } from "./routes.js";
import type { ProgrammingModel, WorkerCore } from "./worker-core.js";

export interface FunctionsHost {
  server: Server;
  /** Whether the app streams (the library's proxy) or passes bodies in the invocation. */
  mode: "stream" | "buffered";
}

/** Headers of one hop only, never proxied (RFC 9110 §7.6.1); the library drops the same ones. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
}
interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  cookies?: unknown[];
  body?: RpcTypedData;
}

/**
 * The host's forwarder sets these on the request it proxies to the worker, replacing whatever
 * the caller sent (the library builds the request URL from the host and proto ones); and the
 * invocation id is the host's own.
 */
const SET_BY_FORWARDER = new Set([
  ...HOP_BY_HOP,
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-prefix",
  "x-ms-invocation-id",
]);

/**
 * A host name, IPv4 or bracketed IPv6 address with an optional port, as the front end (Kestrel)
 * accepts in a Host header; anything else is its 400 before any function runs.
 */
const VALID_HOST = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function endToEnd(raw: readonly string[], drop: ReadonlySet<string> = HOP_BY_HOP): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!drop.has(name.toLowerCase())) kept.push(name, raw[i + 1] as string);
  }
  return kept;
}

/** The front end appends the caller's address as ip:port, as Azure's front end does. */
function withForwardedFor(req: IncomingMessage): string[] {
  const address = req.socket.remoteAddress ?? "";
  const caller = address.includes(":")
    ? `[${address}]:${req.socket.remotePort}`
    : `${address}:${req.socket.remotePort}`;
  const raw = endToEnd(req.rawHeaders);
  const at = raw.findIndex((value, i) => i % 2 === 0 && value.toLowerCase() === "x-forwarded-for");
  if (at >= 0) raw[at + 1] = `${raw[at + 1]}, ${caller}`;
  else raw.push("X-Forwarded-For", caller);
  return raw;
}

function triggerMetadata(match: RouteMatch, headers: Record<string, string>, query: URLSearchParams) {
  const metadata: Record<string, RpcTypedData> = {
    Headers: { json: JSON.stringify(headers) },
    Query: { json: JSON.stringify(Object.fromEntries(query)) },
  };
  for (const [name, value] of Object.entries(match.params)) metadata[name] = { string: value };
  return metadata;
}

function coreContext(
  fn: HttpFunction,
  invocationId: string,
  metadata: Record<string, RpcTypedData>,
  inputData: { name: string; data: unknown }[],
) {
  return {
    invocationId,
    state: undefined,
    metadata: fn.registration.metadata,
    request: {
      invocationId,
      functionId: fn.registration.metadata.name,
      inputData,
      triggerMetadata: metadata,
      traceContext: {},
    },
    log() {},
  };
}

async function invoke(model: ProgrammingModel, fn: HttpFunction, core: unknown) {
  const invocation = model.getInvocationModel(core);
  const { context, inputs } = await invocation.getArguments();
  const result = await invocation.invokeFunction(context, inputs, fn.registration.callback);
  return invocation.getResponse(context, result);
}

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(message);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** Starts the front end for an app whose functions the worker core has recorded. */
export async function startFunctionsHost(
  worker: WorkerCore,
  options: { routePrefix?: string; port?: number; hostname?: string } = {},
): Promise<FunctionsHost> {
  const model = worker.programmingModel();
  // The worker asks for capabilities once the app is loaded: with streaming on, the library
  // starts its proxy server here and answers with its URL.
  const capabilities = await model.getCapabilities({});
  const functions = httpFunctions(worker.registrations, options.routePrefix ?? "api");
  const proxyUri = capabilities.HttpUri?.replace("//localhost:", "//127.0.0.1:");
  // The host keeps its connections to the worker's proxy open, as any forwarder does.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  const streamed = (req: IncomingMessage, res: ServerResponse, match: RouteMatch, raw: string[]) => {
    const invocationId = randomUUID();
    const url = new URL(req.url ?? "/", "http://host.invalid");
    const proxied = httpRequest(`${proxyUri?.replace(/\/$/, "")}${req.url ?? "/"}`, {
      method: req.method,
      agent,
      headers: [
        ...endToEnd(raw, SET_BY_FORWARDER),
        "x-forwarded-for",
        req.socket.remoteAddress ?? "",
        "x-ms-invocation-id",
        invocationId,
        "x-forwarded-host",
        req.headers.host ?? "localhost",
        "x-forwarded-proto",
        "http",
      ],
    });
    proxied.once("response", (answer) => {
      res.writeHead(
        answer.statusCode ?? 500,
        endToEnd(answer.rawHeaders, new Set([...HOP_BY_HOP, "x-ms-invocation-id"])),
      );
      answer.pipe(res);
      answer.once("error", () => res.destroy());
    });
    proxied.once("error", () => fail(res, 502, "the worker's HTTP proxy failed"));
    res.once("close", () => {
      if (!res.writableFinished) proxied.destroy();
    });
    req.pipe(proxied);
    const core = coreContext(
      match.fn,
      invocationId,
      triggerMetadata(match, hostHeaders(raw), url.searchParams),
      [{ name: match.fn.triggerName, data: {} }],
    );
    invoke(model, match.fn, core).catch(() => {
      proxied.destroy();
      fail(res, 500, "the function failed");
    });
  };

  const buffered = async (req: IncomingMessage, res: ServerResponse, match: RouteMatch, raw: string[]) => {
    const invocationId = randomUUID();
    const body = await readBody(req);
    const headers = hostHeaders(raw);
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    const http = {
      method: req.method,
      url: url.href,
      headers,
      query: Object.fromEntries(url.searchParams),
      params: match.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    };
    const core = coreContext(match.fn, invocationId, triggerMetadata(match, headers, url.searchParams), [
      { name: match.fn.triggerName, data: { http } },
    ]);
    const response = await invoke(model, match.fn, core);
    const answer = (response.returnValue as { http?: RpcHttpResponse } | undefined)?.http ?? {};
    const out = answer.body?.bytes ?? answer.body?.string ?? "";
    res.writeHead(Number(answer.statusCode ?? 200), answer.headers ?? {});
    res.end(out);
  };

  // Headers up to 32 KiB, as Kestrel allows in front of the worker.
  const server = createServer({ maxHeaderSize: 32 * 1024 }, (req, res) => {
    // The front end's own refusals: a Host it cannot route by, a target that is not a path (this
    // harness does not play Kestrel's handling of absolute-form targets).
    if (!VALID_HOST.test(req.headers.host ?? "") || !(req.url ?? "").startsWith("/")) {
      res.writeHead(400, { connection: "close" }).end();
      req.resume();
      return;
    }
    const match = routeRequest(functions, req.method ?? "GET", new URL(req.url ?? "/", "http://h").pathname);
    if (!match) {
      res.writeHead(404).end();
      req.resume();
      return;
    }
    const raw = withForwardedFor(req);
    try {
      if (proxyUri) streamed(req, res, match, raw);
      else buffered(req, res, match, raw).catch(() => fail(res, 500, "the function failed"));
    } catch {
      fail(res, 400, "the request cannot be proxied");
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.hostname ?? "127.0.0.1", resolve),
  );
  return { server, mode: proxyUri ? "stream" : "buffered" };
}
