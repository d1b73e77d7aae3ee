// The Azure Functions host's own caps, which no tollgate setting can raise: the front end refuses a
// request body over 100 MB (413, before the worker sees it) and ends an HTTP response that takes
// longer than 230 s, whatever functionTimeout says. Settings past them are checked at start under
// the Functions host (functions/tollgate-app.ts); the local host and the sandbox have no such caps.

import type { Settings } from "./settings.js";
import { SettingsError } from "./settings.js";

export const FUNCTIONS_HOST_MAX_BODY_BYTES = 104_857_600;
export const FUNCTIONS_HOST_RESPONSE_TIMEOUT_MS = 230_000;

/**
 * Throws for a body limit the host would never let through (the setting could only mislead);
 * returns a warning per backend timeout past the host's, whose responses the host cuts short.
 */
export function checkFunctionsHostLimits(settings: Pick<Settings, "backend">): string[] {
  const { maxBodyBytes, firstByteTimeoutMs, totalTimeoutMs } = settings.backend;
  if (maxBodyBytes > FUNCTIONS_HOST_MAX_BODY_BYTES) {
    throw new SettingsError([
      `TOLLGATE_MAX_BODY_BYTES is ${maxBodyBytes}, but the Functions host refuses request bodies over ${FUNCTIONS_HOST_MAX_BODY_BYTES} bytes (100 MB) before tollgate sees them. Example: TOLLGATE_MAX_BODY_BYTES=${FUNCTIONS_HOST_MAX_BODY_BYTES}`,
    ]);
  }
  const warnings: string[] = [];
  for (const [name, value] of [
    ["TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS", firstByteTimeoutMs],
    ["TOLLGATE_BACKEND_TIMEOUT_MS", totalTimeoutMs],
  ] as const) {
    if (value > FUNCTIONS_HOST_RESPONSE_TIMEOUT_MS) {
      warnings.push(
        `${name} is ${value} ms, but the Functions host ends an HTTP response after ${FUNCTIONS_HOST_RESPONSE_TIMEOUT_MS} ms (230 s): a backend slower than that is cut off by the host, not by tollgate.`,
      );
    }
  }
  return warnings;
}
