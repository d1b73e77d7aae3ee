// Starts telemetry (Azure Monitor OpenTelemetry) before the rest of the app runs: every file in
// functions/ imports this first, so its body waits for this module's top-level await (the distro
// is loaded only when configured, see start-telemetry.ts). Once per worker. A malformed
// APPLICATIONINSIGHTS_CONNECTION_STRING throws here, so the host reports the load failure with
// the message that names the setting instead of running without telemetry.

import { startTelemetry } from "../shared/telemetry/start-telemetry.js";

await startTelemetry(process.env, (line) => console.warn(`[tollgate] ${line}`));
