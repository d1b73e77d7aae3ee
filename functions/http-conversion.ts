// Between the Functions host's HTTP types and the core's web-standard ones, without copying
// bodies: with HTTP streaming on, both sides are ReadableStreams.

import "./telemetry-bootstrap.js";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { IncomingRequest, RequestContext } from "../shared/http/request-handler.js";

/**
 * The request as the core reads it. The library's HttpRequest already wraps a web Request (its
 * getters read it), so its parts are handed over as they are rather than copied into a second
 * Request: that cost a URL parse, a Headers copy and an AbortSignal per call, about 1% of the
 * Functions path's CPU. Read once here, so the core's many header reads skip the getters.
 */
export function toIncomingRequest(request: HttpRequest): IncomingRequest {
  const method = request.method;
  // The library gives GET and HEAD no body already; this keeps it so whatever it does.
  const hasBody = method !== "GET" && method !== "HEAD" && request.body !== null;
  return {
    method,
    url: request.url,
    headers: request.headers as unknown as Headers,
    body: hasBody ? (request.body as unknown as ReadableStream<Uint8Array>) : null,
  };
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

/** The Functions request exposes no client-disconnect signal: backend timeouts bound the call. */
export function contextOf(request: HttpRequest): RequestContext {
  return { clientIp: clientIpOf(request), peerInForwardedFor: true };
}

export function toResponseInit(response: Response): HttpResponseInit {
  return {
    status: response.status,
    headers: response.headers as unknown as HttpResponseInit["headers"],
    body: response.body as unknown as HttpResponseInit["body"],
  };
}
