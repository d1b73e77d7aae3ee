// Between the Functions host's HTTP types and the core's web-standard ones, without copying
// bodies: with HTTP streaming on, both sides are ReadableStreams.

import "./telemetry-bootstrap.js";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { RequestContext } from "../shared/http/request-handler.js";

export function toWebRequest(request: HttpRequest): Request {
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  return new Request(request.url, {
    method: request.method,
    headers: request.headers as unknown as Headers,
    body: hasBody ? (request.body as unknown as ReadableStream<Uint8Array>) : undefined,
    duplex: "half",
  } as RequestInit & { duplex: "half" });
}

/**
 * The platform's front end appends its peer's address (ip:port) to X-Forwarded-For; the last
 * entry is the one it added, anything before it came from the peer (a trusted front end's
 * entries, or whatever a caller wrote). That peer is tollgate's immediate peer: the caller
 * itself, or the front end (APIM, Front Door) that TOLLGATE_TRUSTED_PROXIES may trust.
 */
export function clientIpOf(request: HttpRequest): string {
  const forwarded = request.headers.get("x-forwarded-for") ?? "";
  const last = forwarded.split(",").pop()?.trim() ?? "";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last);
  if (bracketed?.[1]) return bracketed[1];
  return /^[\d.]+:\d+$/.test(last) ? (last.split(":")[0] ?? "") : last;
}

export function contextOf(request: HttpRequest): RequestContext {
  // The Functions request exposes no client-disconnect signal; backend timeouts bound the call.
  return { clientIp: clientIpOf(request), peerInForwardedFor: true, signal: new AbortController().signal };
}

export function toResponseInit(response: Response): HttpResponseInit {
  return {
    status: response.status,
    headers: response.headers as unknown as HttpResponseInit["headers"],
    body: response.body as unknown as HttpResponseInit["body"],
  };
}
