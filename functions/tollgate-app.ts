// Settings are read and tollgate is built once per worker, when the host loads this module: a
// wrong setting stops the start (the host logs the message that names it) instead of failing
// every request.

import "./telemetry-bootstrap.js";
import { checkFunctionsHostLimits } from "../shared/config/host-limits.js";
import { loadSettings } from "../shared/config/settings.js";
import { telemetryFor } from "../shared/telemetry/start-telemetry.js";
import { createTollgate, type Tollgate } from "../shared/tollgate.js";

/** Parsed once per worker; the timer function reads its schedule from here too. */
export const settings = loadSettings(process.env);

// Limits past the host's own caps: a body limit it never lets through stops the start, a backend
// timeout it cuts short is said once per worker.
for (const warning of checkFunctionsHostLimits(settings)) console.warn(`[tollgate] ${warning}`);

let instance: Promise<Tollgate> | undefined;

/**
 * The running tollgate, shared by every function in this worker: started on first use, which is
 * when functions/gateway.ts loads (it starts it at once, so keys and the role map load while the
 * host finishes its own start).
 */
export function tollgate(): Promise<Tollgate> {
  instance ??= createTollgate(settings, {
    log: (line) => console.warn(`[tollgate] ${line}`),
    telemetry: telemetryFor(settings.telemetry),
  }).then(async (t) => {
    await t.start();
    return t;
  });
  return instance;
}
