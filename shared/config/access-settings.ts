// The settings of the access trail (shared/access): on or off, pseudonyms, retention and the
// per-caller bound on refusals written one by one.

import { z } from "zod";
import { SettingsError, setting } from "./parse-settings.js";
import { ex, flag, wholeNumber } from "./setting-values.js";

/** The access trail: exact per-minute summaries and individual refusals. */
export interface AccessSettings {
  enabled: boolean;
  /** HMAC key that turns object ids into pseudonyms; undefined: ids in clear. Never echoed. */
  hashKey: string | undefined;
  retentionDays: number;
  refusalsPerCallerMinute: number;
}

// A secret: the message says what is wrong with it, never what it is.
const hashKey = z.string().transform((raw, ctx) => {
  const key = raw.trim();
  if (key.length < 32) {
    ctx.addIssue({
      code: "custom",
      message: `must be at least 32 characters. ${ex("TOLLGATE_ACCESS_HASH_KEY")}`,
    });
    return z.NEVER;
  }
  return key;
});

export const accessSpec = {
  enabled: setting("TOLLGATE_ACCESS_SUMMARIES", flag(true)),
  hashKey: setting("TOLLGATE_ACCESS_HASH_KEY", () => hashKey.optional()),
  retentionDays: setting("TOLLGATE_ACCESS_RETENTION_DAYS", wholeNumber(1, 3650, 90)),
  refusalsPerCallerMinute: setting("TOLLGATE_ACCESS_REFUSALS_PER_MINUTE", wholeNumber(0, 10_000, 20)),
} as const;

/** Pseudonyms in the trail and object ids in clear in telemetry cannot both be asked for. */
export function checkAccessAgainstTelemetry(access: AccessSettings, includeObjectId: boolean): void {
  if (access.hashKey !== undefined && includeObjectId) {
    throw new SettingsError([
      "TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID=true would put object ids in clear beside the pseudonyms TOLLGATE_ACCESS_HASH_KEY asks for: set one of them. Example: TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID=false",
    ]);
  }
}
