// Sends an authorised request on to its backend and hands the backend's answer back, both bodies
// streamed, over a keep-alive pool per backend, with 413, 502 and 504 for what can go wrong.

import type { Dispatcher } from "undici";
import type { IncomingRequest } from "../http/request-handler.js";
import { backendFailure, totalTimeout } from "./backend-errors.js";
import { type BackendPools, sharedBackendPools } from "./backend-pools.js";
import { parseBackendUrl, pathAndQuery } from "./backend-target.js";
import { responseHeaderPairs } from "./header-hygiene.js";
import type { HeaderList } from "./header-list.js";
import { checkDeclaredLength, limitedBody, RequestBodyReadError } from "./request-body.js";
import { responseStream } from "./response-body.js";

export interface ForwardTarget {
  /** The backend's origin and optional base path: `https://orders.internal:8443/api`. */
  backendUrl: string;
}

export interface ForwardTimeouts {
  /** To open the connection (TCP and TLS). */
  connectMs: number;
  /**
   * From the request being sent to the response headers arriving; also the longest the backend
   * may go quiet in the middle of its body (or stop reading the request body). A caller uploading
   * slowly is bounded by `totalMs` only. The HTTP client checks these on a clock that ticks about
   * every half second, so they fire up to about a second late.
   */
  firstByteMs: number;
  /** The whole exchange, until the last byte of the response body. */
  totalMs: number;
}

export interface ForwardOptions {
  /** The request headers to send: buildUpstreamHeaders' result. */
  headers: HeaderList;
  /** The largest request body let through. */
  maxBodyBytes: number;
  timeouts: ForwardTimeouts;
  /** Aborts when the caller has gone away: the backend request is abandoned and its socket freed. */
  signal?: AbortSignal | undefined;
  /**
   * `request.url` already parsed, when the caller has it (the gateway does): its path and query
   * are what the backend gets, so the URL need not be parsed a second time. Its host may differ.
   */
  requestUrl?: URL | undefined;
  /** The connection pools to use; one shared set by default. */
  pools?: BackendPools | undefined;
}

// The Fetch standard's null body statuses: a Response with one of these cannot have a body.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

// setTimeout takes a signed 32-bit delay; a longer one would fire at once.
const MAX_TIMEOUT_MS = 2_147_483_647;

function checkArguments(timeouts: ForwardTimeouts, maxBodyBytes: number): void {
  for (const [name, ms] of Object.entries(timeouts)) {
    if (!Number.isInteger(ms) || ms < 1 || ms > MAX_TIMEOUT_MS) {
      throw new RangeError(
        `timeouts.${name} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}.`,
      );
    }
  }
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new RangeError("maxBodyBytes must be a whole number of bytes, 0 or more.");
  }
}

/** Headers as the HTTP client takes them; a Content-Length that is not a number is not passed on. */
function headerList(headers: HeaderList): readonly string[] {
  const contentLength = headers.get("content-length");
  if (contentLength === null || /^\d+$/.test(contentLength.trim())) return headers.flat;
  const list: string[] = [];
  for (const [name, value] of headers) if (name !== "content-length") list.push(name, value);
  return list;
}

/**
 * Forwards `request` (method, path, query and body) to the backend and returns its answer as a
 * web Response whose body streams from the backend. The path is sent exactly as in `request.url`,
 * appended to the backend's base path. Response headers come back without hop-by-hop headers.
 *
 * Throws TollgateError `request_body_too_large` (413) for a Content-Length over the limit before
 * contacting the backend, or once a streamed body grows past it (the backend request is then
 * abandoned); `backend_unavailable` (502) when the backend cannot be reached or breaks off;
 * `backend_timeout` (504) for a connect, first-byte or total timeout. The Response is returned
 * once the first body byte has arrived (a backend that fails before it is still a clean 502/504);
 * after that the same errors surface from reading its body. When `signal` aborts, the promise (or
 * the body) fails with `signal.reason`, as fetch does; an error from reading the request body
 * itself is passed on as its cause was thrown.
 */
export async function forwardRequest(
  request: IncomingRequest,
  target: ForwardTarget,
  opts: ForwardOptions,
): Promise<Response> {
  const backend = parseBackendUrl(target.backendUrl);
  const { maxBodyBytes, timeouts, signal } = opts;
  checkArguments(timeouts, maxBodyBytes);
  checkDeclaredLength(request.headers.get("content-length"), maxBodyBytes);
  checkDeclaredLength(opts.headers.get("content-length"), maxBodyBytes);
  signal?.throwIfAborted();

  const exchange = new AbortController();
  const onClientGone = () => exchange.abort(signal?.reason);
  signal?.addEventListener("abort", onClientGone, { once: true });
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signal?.removeEventListener("abort", onClientGone);
  };
  // Runs until the last body byte; a Response nobody reads is given up when it fires.
  const timer = setTimeout(() => {
    settle();
    exchange.abort(totalTimeout(timeouts.totalMs));
  }, timeouts.totalMs);
  const failure = (error: unknown): unknown => {
    // Whatever broke after the caller left broke because it left.
    if (signal?.aborted === true) return signal.reason;
    if (error instanceof RequestBodyReadError) return error.cause;
    return backendFailure(error);
  };

  let answer: Dispatcher.ResponseData;
  try {
    answer = await (opts.pools ?? sharedBackendPools).pool(backend.origin, timeouts.connectMs).request({
      path: backend.basePath + pathAndQuery(opts.requestUrl ?? request.url),
      method: request.method as Dispatcher.HttpMethod,
      headers: headerList(opts.headers) as string[],
      body: request.body === null ? null : limitedBody(request.body, maxBodyBytes),
      signal: exchange.signal,
      headersTimeout: timeouts.firstByteMs,
      bodyTimeout: timeouts.firstByteMs,
    });
  } catch (error) {
    settle();
    throw failure(error);
  }

  const { statusCode, body } = answer;
  if (statusCode < 200 || statusCode > 599) {
    settle();
    body.destroy();
    throw backendFailure(new Error(`The backend answered with status ${statusCode}.`));
  }
  const headers = responseHeaderPairs(answer.headers);
  if (NULL_BODY_STATUSES.has(statusCode) || request.method === "HEAD") {
    // Nothing to pass on; reading the (empty) rest lets the connection go back to the pool.
    body.dump().then(settle, settle);
    return new Response(null, { status: statusCode, headers });
  }
  return new Response(await responseStream(body, settle, failure), { status: statusCode, headers });
}
