// The trace id a refusal names. It is the W3C trace id of the incoming `traceparent` when the
// caller (APIM, Front Door) sent one, so the caller's trace and tollgate's line up.

import { randomUUID } from "node:crypto";

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function traceIdFor(headers: Headers): string {
  const match = TRACEPARENT.exec(headers.get("traceparent") ?? "");
  const id = match?.[1];
  // randomUUID draws from a cached entropy pool; randomBytes per request showed in the profile.
  return id && id !== "0".repeat(32) ? id : randomUUID().replaceAll("-", "");
}
