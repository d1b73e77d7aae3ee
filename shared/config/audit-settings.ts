// The settings of the timer function's token-lifetime audit (its limits, Microsoft Graph,
// enforcement) and of the timer's schedule.

import { z } from "zod";
import { setting } from "./parse-settings.js";
import { guid } from "./parsers.js";
import { ex, flag, url, wholeNumber } from "./setting-values.js";

/** What the timer function's token-lifetime audit flags, and whether the gateway enforces it. */
export interface AuditSettings {
  /** Longest acceptable access-token lifetime for clients without CAE, in seconds. */
  maxLifetimeSeconds: number;
  /** Longest acceptable lifetime for CAE-capable clients (`xms_cc` holds `cp1`), in seconds. */
  maxCaeLifetimeSeconds: number;
  /** Client apps whose tokens all live shorter than this are flagged (refresh storms). */
  minLifetimeSeconds: number;
  /** Read Entra's token-lifetime policies through Microsoft Graph with the app's managed identity. */
  graph: boolean;
  /** Microsoft Graph's origin (national clouds; a loopback stand-in in tests). */
  graphUrl: string;
  /** The protected API's application (client) id or object id, for the "assigned to the API" check. */
  apiAppId: string | undefined;
  /** Reject tokens that outlive the limits above with `token_lifetime_exceeds_policy`. */
  enforce: boolean;
}

// NCRONTAB as the Functions timer trigger reads it: six fields, seconds first.
const NCRONTAB_FIELD = /^[0-9A-Za-z*/,-]+$/;
const timerSchedule = z.string().transform((raw, ctx) => {
  const fields = raw.trim().split(/\s+/);
  if (fields.length !== 6 || !fields.every((field) => NCRONTAB_FIELD.test(field))) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' is not an NCRONTAB schedule of six fields ({second} {minute} {hour} {day} {month} {day-of-week}). ${ex("TOLLGATE_TIMER_SCHEDULE")}`,
    });
    return z.NEVER;
  }
  return fields.join(" ");
});

// The managed identity's Graph token goes to this origin: plain HTTP only for a loopback stand-in.
const graphUrl = url("TOLLGATE_AUDIT_GRAPH_URL", {
  shape: "origin",
  http: "loopback",
  must: "an https origin without a path (http only on loopback)",
});

const apiAppId = z.string().transform((raw, ctx) => {
  const id = raw.trim().toLowerCase();
  if (!guid.test(id)) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' is not an application (client) id or object id GUID. ${ex("TOLLGATE_AUDIT_API_APP_ID")}`,
    });
    return z.NEVER;
  }
  return id;
});

export const timerSpec = {
  timerSchedule: setting("TOLLGATE_TIMER_SCHEDULE", () => timerSchedule.default("0 */15 * * * *")),
} as const;

export const auditSpec = {
  maxLifetimeSeconds: setting("TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS", wholeNumber(600, 86400, 5400)),
  maxCaeLifetimeSeconds: setting(
    "TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS",
    wholeNumber(600, 7 * 86400, 28 * 3600),
  ),
  minLifetimeSeconds: setting("TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS", wholeNumber(0, 86400, 900)),
  graph: setting("TOLLGATE_AUDIT_GRAPH", flag(false)),
  graphUrl: setting("TOLLGATE_AUDIT_GRAPH_URL", () => graphUrl.default("https://graph.microsoft.com")),
  apiAppId: setting("TOLLGATE_AUDIT_API_APP_ID", () => apiAppId.optional()),
  enforce: setting("TOLLGATE_AUDIT_ENFORCE", flag(false)),
} as const;

/** By default the API is the application whose client id is one of the accepted audiences. */
export function defaultApiAppId(audiences: readonly string[]): string | undefined {
  return audiences.find((aud) => guid.test(aud))?.toLowerCase();
}
