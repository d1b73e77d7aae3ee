// Turns what went wrong talking to a backend into tollgate's reasons: 502 when it could not be
// reached or broke off, 504 when it was too slow. Messages stay generic: the caller should not
// learn internal host names; the cause keeps the detail for the logs.

import { TollgateError } from "../reasons.js";

const TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);

// Faults in the request handed to the HTTP client (a bad header, a body shorter than its
// Content-Length): the backend is not to blame, so they are passed on as they are.
const REQUEST_FAULT_CODES = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_NOT_SUPPORTED",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
]);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/** The error to throw for `error`, raised while exchanging a request with a backend. */
export function backendFailure(error: unknown): unknown {
  if (error instanceof TollgateError) return error;
  const code = codeOf(error);
  if (code !== undefined && REQUEST_FAULT_CODES.has(code)) return error;
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new TollgateError("backend_timeout", "The backend did not answer in time.", { cause: error });
  }
  // Refused, reset, DNS, TLS, closed mid-answer: all mean this backend cannot serve the request now.
  return new TollgateError("backend_unavailable", "The backend could not be reached or broke off.", {
    cause: error,
  });
}

export function totalTimeout(totalMs: number): TollgateError {
  return new TollgateError("backend_timeout", `The backend did not finish answering within ${totalMs} ms.`);
}
