// Starts telemetry (Azure Monitor OpenTelemetry) before the local host runs: main.ts imports this
// first, so its body waits for this module's top-level await. A malformed connection string or
// telemetry setting stops the start with its message, as any other wrong setting does.

import { SettingsError } from "../../shared/config/settings.js";
import { startTelemetry } from "../../shared/telemetry/start-telemetry.js";

try {
  await startTelemetry(process.env, (line) => console.error(`[tollgate] ${line}`));
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(2);
}
