// Starts telemetry (Azure Monitor OpenTelemetry) before the rest of the app loads: every file in
// functions/ imports this first, and ESM evaluates imports in order. Once per worker. A malformed
// APPLICATIONINSIGHTS_CONNECTION_STRING throws here, so the host reports the load failure with
// the message that names the setting instead of running without telemetry.

import { startTelemetry } from "../shared/telemetry/start-telemetry.js";

startTelemetry(process.env, (line) => console.warn(`[tollgate] ${line}`));
