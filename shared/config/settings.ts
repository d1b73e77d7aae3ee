// Settings from the environment (Functions app settings), parsed once at start by one zod schema.
// A wrong value stops the start with one message naming the setting, the fault and a right example.
// This module composes the schema from one file per concern and is what the rest of tollgate
// imports; each concern's rules live beside its setting type.

import { z } from "zod";
import type { StorageTarget } from "../storage/table-client.js";
import { type AuditSettings, auditFields, auditSettingsFrom } from "./audit-settings.js";
import {
  type AssertionSettings,
  type BackendSettings,
  type BypassSettings,
  forwardFields,
  forwardSettingsFrom,
} from "./forward-settings.js";
import { type KeySettings, keyFields, keySettingsFrom } from "./key-settings.js";
import { type Env, parseSettings } from "./parse-settings.js";
import type { SettingName } from "./setting-docs.js";
import { integer } from "./setting-values.js";
import { storageFallbacks, storageFields, storageSettingsFrom } from "./storage-settings.js";
import { type TelemetrySettings, telemetryFields, telemetrySettingsFrom } from "./telemetry-settings.js";
import { type TokenSettings, tokenFields, tokenSettingsFrom } from "./token-settings.js";

export type { AuditSettings } from "./audit-settings.js";
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

export interface Settings {
  token: TokenSettings;
  keys: KeySettings;
  backend: BackendSettings;
  policyRefreshSeconds: number;
  rateLimitHeaders: boolean;
  assertion: AssertionSettings;
  bypass: BypassSettings;
  storage: StorageTarget;
  tablePrefix: string;
  storageTimeoutMs: number;
  telemetry: TelemetrySettings;
  audit: AuditSettings;
  /** NCRONTAB schedule of the timer function (key refresh and audit). */
  timerSchedule: string;
}

const policyFields = {
  TOLLGATE_POLICY_REFRESH_SECONDS: integer("TOLLGATE_POLICY_REFRESH_SECONDS", 1, 3600).default(30),
};

/** The one schema: every setting SETTING_DOCS documents, no other (the satisfies says so). */
const schema = z.object({
  ...tokenFields,
  ...keyFields,
  ...storageFields,
  ...forwardFields,
  ...policyFields,
  ...telemetryFields,
  ...auditFields,
} satisfies Record<SettingName, z.ZodType>);

export function loadSettings(env: Env = process.env): Settings {
  const s = parseSettings(schema, env, storageFallbacks);
  return {
    token: tokenSettingsFrom(s),
    keys: keySettingsFrom(s),
    ...forwardSettingsFrom(s),
    policyRefreshSeconds: s.TOLLGATE_POLICY_REFRESH_SECONDS,
    ...storageSettingsFrom(s),
    telemetry: telemetrySettingsFrom(s),
    audit: auditSettingsFrom(s, s.TOLLGATE_AUDIENCES),
    timerSchedule: s.TOLLGATE_TIMER_SCHEDULE,
  };
}
