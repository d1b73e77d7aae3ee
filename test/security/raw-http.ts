// HTTP/1.1 over a raw TCP socket, for requests the fetch API refuses to send or would tidy up
// first: repeated Authorization headers, Transfer-Encoding with Content-Length, oversized header
// sets, and request targets such as `/manage/../orders` sent byte for byte.

import { connect } from "node:net";

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export interface RawRequest {
  method?: string;
  /** The request target exactly as it goes on the request line. */
  target: string;
  /** In order, repeats allowed. Host and `Connection: close` are added unless present. */
  headers?: HeaderList;
  body?: string | Buffer;
}

export interface RawAnswer {
  /** 0 when the connection ended without a status line. */
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** The connection was reset (after whatever answer came first). */
  reset: boolean;
}

/** The bytes of a request: request line, headers, blank line, body. */
export function requestBytes(authority: string, request: RawRequest): Buffer {
  const headers = [...(request.headers ?? [])];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (!has("host")) headers.unshift(["Host", authority]);
  if (!has("connection")) headers.push(["Connection", "close"]);
  const head = `${request.method ?? "GET"} ${request.target} HTTP/1.1\r\n${headers
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}\r\n`;
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

/**
 * Sends `request` to `baseUrl` (http://127.0.0.1:PORT) on a fresh connection and reads until the
 * server closes it (the request asks for `Connection: close`) or `timeoutMs` passes.
 */
export function sendRaw(baseUrl: string, request: RawRequest, timeoutMs = 10_000): Promise<RawAnswer> {
  const { hostname, port, host } = new URL(baseUrl);
  const bytes = requestBytes(host, request);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const socket = connect({ host: hostname, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no complete answer to ${request.method ?? "GET"} ${request.target} in ${timeoutMs} ms`),
      );
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A server that refuses a request early may reset while the rest is still being written.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") reset = true;
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ ...parseAnswer(Buffer.concat(chunks)), reset });
    });
    socket.write(bytes);
  });
}

function parseAnswer(data: Buffer): Omit<RawAnswer, "reset"> {
  const text = data.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return { status: 0, headers: {}, body: "" };
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = data.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = dechunk(body);
  else if (headers["content-length"] !== undefined)
    body = body.subarray(0, Number(headers["content-length"]));
  return { status, headers, body: body.toString("utf8") };
}

/** The payload of a chunked body, as far as it arrived. */
function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The `reason` of a problem+json body, or null when the answer has none. */
export function reasonOf(answer: RawAnswer): string | null {
  if (!(answer.headers["content-type"] ?? "").startsWith("application/problem+json")) return null;
  try {
    const reason = (JSON.parse(answer.body) as { reason?: unknown }).reason;
    return typeof reason === "string" ? reason : null;
  } catch {
    return null;
  }
}
