// The caller's request body on its way to the backend: streamed chunk by chunk, never held whole,
// and cut off with 413 the moment it grows past the limit.

import { Readable } from "node:stream";
import { TollgateError } from "../reasons.js";

/** The caller's own body stream failed (typically: the caller went away mid-upload). */
export class RequestBodyReadError extends Error {
  override readonly name = "RequestBodyReadError";
}

export function bodyTooLarge(maxBytes: number): TollgateError {
  return new TollgateError("request_body_too_large", `The request body is larger than ${maxBytes} bytes.`);
}

/**
 * Throws `request_body_too_large` when a declared Content-Length is over the limit, so a body
 * that is sure to be refused never reaches the backend. Unreadable values are left to the body
 * count, which applies to every body whatever it declared.
 */
export function checkDeclaredLength(contentLength: string | null, maxBytes: number): void {
  if (contentLength === null || !/^\d+$/.test(contentLength.trim())) return;
  if (Number(contentLength.trim()) > maxBytes) throw bodyTooLarge(maxBytes);
}

async function* counted(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const next = await reader.read().catch((error: unknown) => {
        throw new RequestBodyReadError("The request body could not be read.", { cause: error });
      });
      if (next.done) return;
      seen += next.value.byteLength;
      if (seen > maxBytes) throw bodyTooLarge(maxBytes);
      yield next.value;
    }
  } finally {
    // Ending early (limit, backend failure, abort) cancels the caller's stream, so its source
    // stops producing rather than buffering for nobody.
    reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** `body` as a Node stream for the HTTP client, failing with 413 once more than `maxBytes` pass. */
export function limitedBody(body: ReadableStream<Uint8Array>, maxBytes: number): Readable {
  return Readable.from(counted(body, maxBytes), { objectMode: false });
}
