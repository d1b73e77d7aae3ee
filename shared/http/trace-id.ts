// The trace id a refusal names. It is the W3C trace id of the incoming `traceparent` when the
// caller (APIM, Front Door) sent one, so the caller's trace and tollgate's line up.

import { randomFillSync } from "node:crypto";

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_ID = "0".repeat(32);

// Random bytes drawn 4 KiB at a time (256 ids): a draw per request, or randomUUID and taking its
// dashes out, showed in the request path's profile.
const ID_BYTES = 16;
const pool = Buffer.alloc(4096);
let offset = pool.length;

function freshTraceId(): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("hex", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  // All zeros is the W3C's invalid id; 2^-128, but cheap to rule out.
  return id === ZERO_ID ? freshTraceId() : id;
}

export function traceIdFor(headers: Pick<Headers, "get">): string {
  const traceparent = headers.get("traceparent");
  if (traceparent === null) return freshTraceId();
  const id = TRACEPARENT.exec(traceparent)?.[1];
  return id && id !== ZERO_ID ? id : freshTraceId();
}
