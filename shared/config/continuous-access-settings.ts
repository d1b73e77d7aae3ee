// The settings of continuous access: the revocation list and tenants table every instance
// mirrors, groups overage and the sign-in sessions check through Microsoft Graph, and the Graph
// endpoint and timeout those request-path lookups share.

import { z } from "zod";
import { setting } from "./parse-settings.js";
import type { SettingName } from "./setting-docs.js";
import { ex, flag, url, wholeNumber } from "./setting-values.js";

/** Revocations and onboarded tenants, mirrored from Table Storage into every instance. */
export interface ContinuousAccessSettings {
  revocationsRefreshSeconds: number;
  tenantsTable: boolean;
  tenantsRefreshSeconds: number;
}

/** Groups overage: looking up in Microsoft Graph the groups a token had too many of to list. */
export interface GroupsSettings {
  graph: boolean;
  cacheSeconds: number;
  onError: "deny" | "allow";
}

/** The optional per-user check of Graph's signInSessionsValidFromDateTime. */
export interface SignInSessionsSettings {
  check: boolean;
  cacheSeconds: number;
  onError: "deny" | "allow";
}

/** Microsoft Graph as the gateway calls it on the request path (groups, sign-in sessions). */
export interface GraphSettings {
  url: string;
  timeoutMs: number;
}

/** For `setting(name, …)`: `deny` or `allow`, `fallback` when not set. */
const denyOrAllow = (fallback: "deny" | "allow") => (name: SettingName) =>
  z
    .string()
    .transform((raw, ctx): "deny" | "allow" => {
      const value = raw.trim().toLowerCase();
      if (value === "deny" || value === "allow") return value;
      ctx.addIssue({ code: "custom", message: `'${raw}' is not deny or allow. ${ex(name)}` });
      return z.NEVER;
    })
    .default(fallback);

export const continuousAccessSpec = {
  revocationsRefreshSeconds: setting("TOLLGATE_REVOCATIONS_REFRESH_SECONDS", wholeNumber(1, 300, 15)),
  tenantsTable: setting("TOLLGATE_TENANTS_TABLE", flag(false)),
  tenantsRefreshSeconds: setting("TOLLGATE_TENANTS_REFRESH_SECONDS", wholeNumber(1, 300, 15)),
} as const;

export const groupsSpec = {
  graph: setting("TOLLGATE_GROUPS_GRAPH", flag(false)),
  cacheSeconds: setting("TOLLGATE_GROUPS_CACHE_SECONDS", wholeNumber(10, 86400, 300)),
  onError: setting("TOLLGATE_GROUPS_ON_ERROR", denyOrAllow("deny")),
} as const;

export const signInSessionsSpec = {
  check: setting("TOLLGATE_SIGNIN_SESSIONS_CHECK", flag(false)),
  cacheSeconds: setting("TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS", wholeNumber(10, 3600, 60)),
  onError: setting("TOLLGATE_SIGNIN_SESSIONS_ON_ERROR", denyOrAllow("allow")),
} as const;

// The managed identity's Graph token goes to this origin: plain HTTP only for a loopback stand-in.
export const graphSpec = {
  url: setting("TOLLGATE_GRAPH_URL", (name) =>
    url(name, {
      shape: "origin",
      http: "loopback",
      must: "an https origin without a path (http only on loopback)",
    }).default("https://graph.microsoft.com"),
  ),
  timeoutMs: setting("TOLLGATE_GRAPH_TIMEOUT_MS", wholeNumber(100, 30_000, 2000)),
} as const;
