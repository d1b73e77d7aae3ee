// The telemetry settings: how many decision spans go to Application Insights and what they may
// name. Read alone and first, because telemetry starts before anything else loads.

import { z } from "zod";
import { type Env, fieldsOf, parseSettings, setting, valuesOf } from "./parse-settings.js";
import { decimal, flag } from "./setting-values.js";

/** How much of the decision telemetry goes to Application Insights, and what it may name. */
export interface TelemetrySettings {
  /** Rate-limited sampling of decision spans per instance; 0 switches to `samplingRatio`. */
  tracesPerSecond: number;
  samplingRatio: number;
  /** Record the caller's object id on decision spans (an operator's opt-in). */
  includeObjectId: boolean;
}

export const telemetrySpec = {
  tracesPerSecond: setting("TOLLGATE_TELEMETRY_TRACES_PER_SECOND", (n) => decimal(n, 0, 10_000).default(5)),
  samplingRatio: setting("TOLLGATE_TELEMETRY_SAMPLING_RATIO", (n) => decimal(n, 0, 1).default(1)),
  includeObjectId: setting("TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID", flag(false)),
} as const;

/**
 * The telemetry settings alone, with the same rules and messages as loadSettings: telemetry
 * starts before anything else loads, and must not fail on a setting it does not use.
 */
export function loadTelemetrySettings(env: Env = process.env): TelemetrySettings {
  return valuesOf(telemetrySpec, parseSettings(z.object(fieldsOf(telemetrySpec)), env));
}
