// The settings of the timer function's token-lifetime audit (its limits, Microsoft Graph,
// enforcement) and of the timer's schedule.

import { z } from "zod";
import { guid } from "./parsers.js";
import { boolean, ex, integer, url } from "./setting-values.js";

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

export const auditFields = {
  TOLLGATE_TIMER_SCHEDULE: timerSchedule.default("0 */15 * * * *"),
  TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS: integer("TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS", 600, 86400).default(
    5400,
  ),
  TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS: integer(
    "TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS",
    600,
    7 * 86400,
  ).default(28 * 3600),
  TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS: integer("TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS", 0, 86400).default(900),
  TOLLGATE_AUDIT_GRAPH: boolean("TOLLGATE_AUDIT_GRAPH").default(false),
  TOLLGATE_AUDIT_GRAPH_URL: graphUrl.default("https://graph.microsoft.com"),
  TOLLGATE_AUDIT_API_APP_ID: apiAppId.optional(),
  TOLLGATE_AUDIT_ENFORCE: boolean("TOLLGATE_AUDIT_ENFORCE").default(false),
};

/** `audiences`: by default the API is the application whose client id is an accepted audience. */
export function auditSettingsFrom(
  s: z.output<z.ZodObject<typeof auditFields>>,
  audiences: readonly string[],
): AuditSettings {
  return {
    maxLifetimeSeconds: s.TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS,
    maxCaeLifetimeSeconds: s.TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS,
    minLifetimeSeconds: s.TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS,
    graph: s.TOLLGATE_AUDIT_GRAPH,
    graphUrl: s.TOLLGATE_AUDIT_GRAPH_URL,
    apiAppId: s.TOLLGATE_AUDIT_API_APP_ID ?? audiences.find((aud) => guid.test(aud))?.toLowerCase(),
    enforce: s.TOLLGATE_AUDIT_ENFORCE,
  };
}
