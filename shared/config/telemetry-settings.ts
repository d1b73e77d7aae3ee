// The telemetry settings: how many decision spans go to Application Insights and what they may
// name. Read alone and first, because telemetry starts before anything else loads.

import { z } from "zod";
import { type Env, parseSettings } from "./parse-settings.js";
import { boolean, decimal } from "./setting-values.js";

/** How much of the decision telemetry goes to Application Insights, and what it may name. */
export interface TelemetrySettings {
  /** Rate-limited sampling of decision spans per instance; 0 switches to `samplingRatio`. */
  tracesPerSecond: number;
  samplingRatio: number;
  /** Record the caller's object id on decision spans (an operator's opt-in). */
  includeObjectId: boolean;
}

export const telemetryFields = {
  TOLLGATE_TELEMETRY_TRACES_PER_SECOND: decimal("TOLLGATE_TELEMETRY_TRACES_PER_SECOND", 0, 10_000).default(5),
  TOLLGATE_TELEMETRY_SAMPLING_RATIO: decimal("TOLLGATE_TELEMETRY_SAMPLING_RATIO", 0, 1).default(1),
  TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID: boolean("TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID").default(false),
};

export function telemetrySettingsFrom(s: z.output<z.ZodObject<typeof telemetryFields>>): TelemetrySettings {
  return {
    tracesPerSecond: s.TOLLGATE_TELEMETRY_TRACES_PER_SECOND,
    samplingRatio: s.TOLLGATE_TELEMETRY_SAMPLING_RATIO,
    includeObjectId: s.TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID,
  };
}

/**
 * The telemetry settings alone, with the same rules and messages as loadSettings: telemetry
 * starts before anything else loads, and must not fail on a setting it does not use.
 */
export function loadTelemetrySettings(env: Env = process.env): TelemetrySettings {
  return telemetrySettingsFrom(parseSettings(z.object(telemetryFields), env));
}
