// Settings from the environment (Functions app settings), parsed once at start by one zod schema.
// A wrong value stops the start with one message naming the setting, the fault and a right example.
// This module composes the schema from one file per concern and is what the rest of tollgate
// imports; each concern's rules live beside its setting type.

import { z } from "zod";
import { parseIdentityChoice } from "../identity/azure-credential.js";
import type { StorageTarget } from "../storage/table-client.js";
import { type AccessSettings, accessSpec, checkAccessAgainstTelemetry } from "./access-settings.js";
import { type AuditSettings, auditSpec, defaultApiAppId, timerSpec } from "./audit-settings.js";
import {
  type ContinuousAccessSettings,
  continuousAccessSpec,
  type GraphSettings,
  type GroupsSettings,
  graphSpec,
  groupsSpec,
  type SignInSessionsSettings,
  signInSessionsSpec,
} from "./continuous-access-settings.js";
import {
  type AssertionSettings,
  assertionSpec,
  type BackendSettings,
  type BypassSettings,
  backendSpec,
  bypassSpec,
} from "./forward-settings.js";
import { type KeySettings, keySpec } from "./key-settings.js";
import { type Env, fieldsOf, parseSettings, setting, valuesOf } from "./parse-settings.js";
import type { SettingName } from "./setting-docs.js";
import { ex, flag, wholeNumber } from "./setting-values.js";
import { storageFallbacks, storageSpec } from "./storage-settings.js";
import { type TelemetrySettings, telemetrySpec } from "./telemetry-settings.js";
import { type TokenSettings, tokenSpec } from "./token-settings.js";
import {
  checkTrustedProxiesAgainstBypass,
  type TrustedProxySettings,
  trustedProxySpec,
} from "./trusted-proxy-settings.js";

export type { AccessSettings } from "./access-settings.js";
export type { AuditSettings } from "./audit-settings.js";
export type {
  ContinuousAccessSettings,
  GraphSettings,
  GroupsSettings,
  SignInSessionsSettings,
} from "./continuous-access-settings.js";
export type { AssertionSettings, BackendSettings, BypassSettings } from "./forward-settings.js";
export type { KeySettings } from "./key-settings.js";
export { SettingsError } from "./parse-settings.js";
export { loadStorageSettings, type StorageSettings } from "./storage-settings.js";
export { loadTelemetrySettings, type TelemetrySettings } from "./telemetry-settings.js";
export {
  type PrincipalKindRequirement,
  SUPPORTED_ALGORITHMS,
  type TenantPolicy,
  type TokenSettings,
  type TokenVersion,
} from "./token-settings.js";
export type { TrustedProxySettings } from "./trusted-proxy-settings.js";

export interface Settings {
  token: TokenSettings;
  keys: KeySettings;
  backend: BackendSettings;
  policyRefreshSeconds: number;
  rateLimitHeaders: boolean;
  /** Easy Auth's X-MS-CLIENT-PRINCIPAL* headers beside tollgate's own (forward/easy-auth-headers.ts). */
  easyAuthHeaders?: boolean;
  assertion: AssertionSettings;
  bypass: BypassSettings;
  /** Front ends whose X-Forwarded-For/-Host/-Proto are believed (http/caller-view.ts); none by default. */
  trustedProxies: TrustedProxySettings;
  storage: StorageTarget;
  tablePrefix: string;
  storageTimeoutMs: number;
  telemetry: TelemetrySettings;
  audit: AuditSettings;
  access: AccessSettings;
  /** NCRONTAB schedule of the timer function (key refresh and audit). */
  timerSchedule: string;
  continuousAccess: ContinuousAccessSettings;
  groups: GroupsSettings;
  signInSessions: SignInSessionsSettings;
  graph: GraphSettings;
  /** Log each request's decision trace (TOLLGATE_DEBUG_TRACE); off by default. */
  debugTrace: boolean;
}

// The credential choice (shared/identity, which reads it from the environment): blank, `system`
// or a user-assigned identity's client id.
const managedIdentity = z.string().refine((v) => parseIdentityChoice(v) !== undefined, {
  message: `must be system or a user-assigned identity's client id (a GUID), or blank for DefaultAzureCredential. ${ex("TOLLGATE_MANAGED_IDENTITY")}`,
});

/** The settings of the gateway itself, not of one of its parts. */
const gatewaySpec = {
  policyRefreshSeconds: setting("TOLLGATE_POLICY_REFRESH_SECONDS", wholeNumber(1, 3600, 30)),
  rateLimitHeaders: setting("TOLLGATE_RATELIMIT_HEADERS", flag(true)),
  easyAuthHeaders: setting("TOLLGATE_EASY_AUTH_HEADERS", flag(false)),
  managedIdentity: setting("TOLLGATE_MANAGED_IDENTITY", () => managedIdentity.optional()),
  debugTrace: setting("TOLLGATE_DEBUG_TRACE", flag(false)),
} as const;

/** The one schema: every setting SETTING_DOCS documents (the satisfies says none is missing). */
const schema = z.object({
  ...fieldsOf(tokenSpec),
  ...fieldsOf(keySpec),
  ...fieldsOf(storageSpec),
  ...fieldsOf(backendSpec),
  ...fieldsOf(assertionSpec),
  ...fieldsOf(bypassSpec),
  ...fieldsOf(trustedProxySpec),
  ...fieldsOf(gatewaySpec),
  ...fieldsOf(telemetrySpec),
  ...fieldsOf(auditSpec),
  ...fieldsOf(timerSpec),
  ...fieldsOf(accessSpec),
  ...fieldsOf(continuousAccessSpec),
  ...fieldsOf(groupsSpec),
  ...fieldsOf(signInSessionsSpec),
  ...fieldsOf(graphSpec),
} satisfies Record<SettingName, z.ZodType>);

export function loadSettings(env: Env = process.env): Settings {
  const s = parseSettings(schema, env, storageFallbacks);
  const audit = valuesOf(auditSpec, s);
  const access = valuesOf(accessSpec, s);
  const telemetry = valuesOf(telemetrySpec, s);
  checkAccessAgainstTelemetry(access, telemetry.includeObjectId);
  const bypass = valuesOf(bypassSpec, s);
  const { trustedProxies } = valuesOf(trustedProxySpec, s);
  checkTrustedProxiesAgainstBypass(trustedProxies, bypass);
  return {
    token: valuesOf(tokenSpec, s),
    keys: valuesOf(keySpec, s),
    backend: valuesOf(backendSpec, s),
    assertion: valuesOf(assertionSpec, s),
    bypass,
    trustedProxies,
    ...valuesOf(gatewaySpec, s),
    ...valuesOf(storageSpec, s),
    telemetry,
    audit: { ...audit, apiAppId: audit.apiAppId ?? defaultApiAppId(s.TOLLGATE_AUDIENCES) },
    access,
    ...valuesOf(timerSpec, s),
    continuousAccess: valuesOf(continuousAccessSpec, s),
    groups: valuesOf(groupsSpec, s),
    signInSessions: valuesOf(signInSessionsSpec, s),
    graph: valuesOf(graphSpec, s),
  };
}
