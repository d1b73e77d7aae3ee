// Serves the web-standard core over Node's HTTP server: IncomingMessage in as a Request (body
// streamed, not buffered), Response out with backpressure, and a client that goes away aborts
// the work in flight.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { RequestContext, RequestHandler } from "../../shared/http/request-handler.js";

/**
 * Repeated headers are appended, so the core sees "a, b" for two Authorization headers and can
 * refuse them; Node's own `headers` object would silently keep only the first.
 */
function toHeaders(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

/**
 * A host name, IPv4 or bracketed IPv6 address, with an optional port. The Host header is pasted
 * in front of the path to make the URL, so a '/', '?', '#', '@' or '\' in it (or an empty one)
 * would move the path the role map matches and the backend receives.
 */
const HOST = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Headers up to 32 KiB in all, as Kestrel (under the Functions host) allows, rather than Node's
 * 16 KiB: a token near TOLLGATE_MAX_TOKEN_BYTES then reaches tollgate, which names the reason.
 */
const MAX_HEADER_BYTES = 32 * 1024;

export function toWebRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const host = req.headers.host ?? "localhost";
  if (!HOST.test(host)) throw new Error("the Host header is not a host name");
  // Only origin-form targets: an absolute URL or `*` in the request line is not a path we route.
  const target = req.url ?? "/";
  if (!target.startsWith("/")) throw new Error("request target is not a path");
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(`http://${host}${target}`, {
    method: req.method,
    headers: toHeaders(req.rawHeaders),
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: "half",
    signal,
  } as RequestInit & { duplex: "half" });
}

export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  // A plain read loop with backpressure: pipeline(Readable.fromWeb(...)) costs a stream wrapper
  // and an AbortController abort (a DOMException) per response, which showed in the profile.
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) throw new Error("the client went away");
      if (!res.write(value)) await waitForDrain(res);
    }
    res.end();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", gone);
      resolve();
    };
    const gone = () => {
      res.off("drain", done);
      reject(new Error("the client went away"));
    };
    res.once("drain", done);
    res.once("close", gone);
  });
}

function plainError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end(message);
}

export function createNodeServer(handler: RequestHandler): Server {
  return createServer({ maxHeaderSize: MAX_HEADER_BYTES }, async (req, res) => {
    const aborter = new AbortController();
    // The client went away before we finished answering: stop the backend call too.
    res.on("close", () => {
      if (!res.writableFinished) aborter.abort();
    });
    let request: Request;
    try {
      request = toWebRequest(req, aborter.signal);
    } catch {
      plainError(res, 400, "Bad request");
      return;
    }
    const context: RequestContext = { clientIp: req.socket.remoteAddress ?? "", signal: aborter.signal };
    try {
      await writeWebResponse(res, await handler(request, context));
    } catch {
      // The handler answers every failure it knows about; what reaches here is a broken stream.
      plainError(res, 502, "Bad gateway");
    }
  });
}
