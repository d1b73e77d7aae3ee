// Settings from the environment (Functions app settings), parsed once at start by one zod schema.
// A wrong value stops the start with one message naming the setting, the fault and a right example.

import { z } from "zod";
import { parseStorageTarget, type StorageTarget } from "../storage/table-client.js";
import { csv, guid, loopbackHost } from "./parsers.js";
import { SETTING_DOCS, type SettingName } from "./setting-docs.js";

export type TokenVersion = "1.0" | "2.0";
export type PrincipalKindRequirement = "any" | "user" | "app";
export type TenantPolicy = { any: true } | { any: false; ids: readonly string[] };

export interface KeySettings {
  fetchTimeoutMs: number;
  refreshSeconds: number;
  refetchCooldownSeconds: number;
  maxStalenessSeconds: number;
  /**
   * A key that disappears from Entra's JWKS stays usable this long, then never again. Optional so
   * that a KeyStore built by hand keeps the old behaviour (0: dropped at once).
   */
  removedKeyGraceSeconds?: number;
  /** How often a running instance re-reads the Table snapshot the timer writes; absent: only when stale. */
  snapshotCheckSeconds?: number;
}

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

export interface TokenSettings {
  authority: string;
  tenants: TenantPolicy;
  audiences: readonly string[];
  tokenVersions: readonly TokenVersion[];
  algorithms: readonly string[];
  clockSkewSeconds: number;
  maxTokenLifetimeSeconds: number | undefined;
  maxTokenBytes: number;
  clientApps: readonly string[] | undefined;
  principalKind: PrincipalKindRequirement;
  /** Verified tokens remembered (0: off). */
  cacheSize: number;
}

export interface BackendSettings {
  defaultUrl: string | undefined;
  maxBodyBytes: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  totalTimeoutMs: number;
}

export interface AssertionSettings {
  /** The raw key setting; parsed by the assertion signer, which never echoes it. */
  keys: string | undefined;
  issuer: string;
  lifetimeSeconds: number;
}

export interface BypassSettings {
  frontDoorId: string | undefined;
  gatewayKey: string | undefined;
}

/** How much of the decision telemetry goes to Application Insights, and what it may name. */
export interface TelemetrySettings {
  /** Rate-limited sampling of decision spans per instance; 0 switches to `samplingRatio`. */
  tracesPerSecond: number;
  samplingRatio: number;
  /** Record the caller's object id on decision spans (an operator's opt-in). */
  includeObjectId: boolean;
}

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

/** Microsoft Graph as the gateway calls it on the request path (groups, sign-in sessions). */
export interface GraphSettings {
  url: string;
  timeoutMs: number;
}

/** The optional per-user check of Graph's signInSessionsValidFromDateTime. */
export interface SignInSessionsSettings {
  check: boolean;
  cacheSeconds: number;
  onError: "deny" | "allow";
}

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
  continuousAccess: ContinuousAccessSettings;
  groups: GroupsSettings;
  signInSessions: SignInSessionsSettings;
  graph: GraphSettings;
}

/** Asymmetric algorithms only: an HMAC algorithm would let a public key act as a shared secret. */
export const SUPPORTED_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
];

const ex = (name: SettingName) => `Example: ${name}=${SETTING_DOCS[name].example}`;

function integer(name: SettingName, min: number, max: number) {
  return z.string().transform((raw, ctx) => {
    const value = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      ctx.addIssue({
        code: "custom",
        message: `'${raw}' is not a whole number from ${min} to ${max}. ${ex(name)}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

function boolean(name: SettingName) {
  return z.string().transform((raw, ctx) => {
    const value = raw.trim().toLowerCase();
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    ctx.addIssue({ code: "custom", message: `'${raw}' is not true or false. ${ex(name)}` });
    return z.NEVER;
  });
}

function decimal(name: SettingName, min: number, max: number) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
      ctx.addIssue({
        code: "custom",
        message: `'${raw}' is not a number from ${min} to ${max}. ${ex(name)}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

function required(name: SettingName) {
  return z.string({ error: `is required. ${ex(name)}` }).refine((v) => v.trim() !== "", {
    message: `is empty. ${ex(name)}`,
  });
}

const tenants = required("TOLLGATE_TENANTS").transform((raw, ctx): TenantPolicy => {
  if (raw.trim() === "*") return { any: true };
  const ids = csv(raw);
  for (const id of ids) {
    if (id === "*") {
      ctx.addIssue({
        code: "custom",
        message: `'*' (any tenant) cannot be mixed with tenant ids. ${ex("TOLLGATE_TENANTS")}`,
      });
    } else if (["common", "organizations", "consumers"].includes(id.toLowerCase())) {
      ctx.addIssue({
        code: "custom",
        message: `'${id}' is not a tenant: to accept every tenant say '*' explicitly. ${ex("TOLLGATE_TENANTS")}`,
      });
    } else if (!guid.test(id)) {
      ctx.addIssue({
        code: "custom",
        message: `'${id}' is not a tenant id (the Directory (tenant) ID GUID, not a domain name). ${ex("TOLLGATE_TENANTS")}`,
      });
    }
  }
  return { any: false, ids: ids.map((id) => id.toLowerCase()) };
});

const audiences = required("TOLLGATE_AUDIENCES").transform((raw, ctx) => {
  const list = csv(raw);
  for (const aud of list) {
    if (!guid.test(aud) && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(aud)) {
      ctx.addIssue({
        code: "custom",
        message: `'${aud}' is neither an application (client) id GUID nor a URI such as api://... ${ex("TOLLGATE_AUDIENCES")}`,
      });
    }
  }
  return list;
});

const authority = z.string().transform((raw, ctx) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    ctx.addIssue({ code: "custom", message: `'${raw}' is not a URL. ${ex("TOLLGATE_AUTHORITY")}` });
    return z.NEVER;
  }
  // Plain HTTP only for a loopback issuer (tests, the sandbox); Entra itself is always HTTPS.
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopbackHost(url.hostname))) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' must use https (http is allowed only on loopback). ${ex("TOLLGATE_AUTHORITY")}`,
    });
    return z.NEVER;
  }
  if (url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' must be the authority host only, without a tenant or path. ${ex("TOLLGATE_AUTHORITY")}`,
    });
    return z.NEVER;
  }
  return url.origin;
});

const tokenVersions = z.string().transform((raw, ctx) => {
  const versions = new Set<TokenVersion>();
  for (const v of csv(raw)) {
    if (v === "1" || v === "1.0") versions.add("1.0");
    else if (v === "2" || v === "2.0") versions.add("2.0");
    else
      ctx.addIssue({
        code: "custom",
        message: `'${v}' is not a token version (1 or 2). ${ex("TOLLGATE_TOKEN_VERSIONS")}`,
      });
  }
  if (versions.size === 0) {
    ctx.addIssue({ code: "custom", message: `names no token version. ${ex("TOLLGATE_TOKEN_VERSIONS")}` });
  }
  return [...versions];
});

const algorithms = z.string().transform((raw, ctx) => {
  const list = csv(raw);
  for (const alg of list) {
    if (!SUPPORTED_ALGORITHMS.includes(alg)) {
      ctx.addIssue({
        code: "custom",
        message: `'${alg}' is not allowed; choose from ${SUPPORTED_ALGORITHMS.join(", ")}. ${ex("TOLLGATE_ALGORITHMS")}`,
      });
    }
  }
  if (list.length === 0)
    ctx.addIssue({ code: "custom", message: `names no algorithm. ${ex("TOLLGATE_ALGORITHMS")}` });
  return list;
});

const clientApps = z.string().transform((raw, ctx) => {
  const list = csv(raw).map((id) => id.toLowerCase());
  for (const id of list) {
    if (!guid.test(id)) {
      ctx.addIssue({
        code: "custom",
        message: `'${id}' is not an application (client) id GUID. ${ex("TOLLGATE_CLIENT_APPS")}`,
      });
    }
  }
  return list.length === 0 ? undefined : list;
});

const principalKind = z.string().transform((raw, ctx): PrincipalKindRequirement => {
  const v = raw.trim().toLowerCase();
  if (v === "any" || v === "user" || v === "app") return v;
  ctx.addIssue({
    code: "custom",
    message: `'${raw}' is not one of any, user, app. ${ex("TOLLGATE_PRINCIPAL_KIND")}`,
  });
  return z.NEVER;
});

// The storage value may hold an account key: never echo it back in a message.
const storage = z
  .string({ error: `is required (or set AzureWebJobsStorage). ${ex("TOLLGATE_STORAGE")}` })
  .transform((raw, ctx) => {
    const value = raw.trim();
    if (value === "") {
      ctx.addIssue({ code: "custom", message: `is empty. ${ex("TOLLGATE_STORAGE")}` });
      return z.NEVER;
    }
    const target = parseStorageTarget(value);
    if (target.kind === "endpoint") {
      try {
        new URL(target.endpoint);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: `is not a valid table endpoint URL. ${ex("TOLLGATE_STORAGE")}`,
        });
        return z.NEVER;
      }
    } else if (
      !/UseDevelopmentStorage=true|AccountName=|TableEndpoint=|SharedAccessSignature=/i.test(value)
    ) {
      ctx.addIssue({
        code: "custom",
        message: `is neither a storage connection string nor a table endpoint URL. ${ex("TOLLGATE_STORAGE")}`,
      });
      return z.NEVER;
    }
    return target;
  });

const tablePrefix = z.string().refine((v) => /^[A-Za-z][A-Za-z0-9]{2,40}$/.test(v), {
  message: `must be 3 to 41 letters and digits, starting with a letter. ${ex("TOLLGATE_TABLE_PREFIX")}`,
});

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

const graphOrigin = (name: SettingName) =>
  z.string().transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      ctx.addIssue({ code: "custom", message: `'${raw}' is not a URL. ${ex(name)}` });
      return z.NEVER;
    }
    // The managed identity's Graph token goes to this origin: plain HTTP only for a loopback stand-in.
    const secure = url.protocol === "https:" || (url.protocol === "http:" && loopbackHost(url.hostname));
    if (!secure || url.search || url.hash || url.username || (url.pathname !== "/" && url.pathname !== "")) {
      ctx.addIssue({
        code: "custom",
        message: `'${raw}' must be an https origin without a path (http only on loopback). ${ex(name)}`,
      });
      return z.NEVER;
    }
    return url.origin;
  });
const graphUrl = graphOrigin("TOLLGATE_AUDIT_GRAPH_URL");

const onError = (name: SettingName) =>
  z.string().transform((raw, ctx): "deny" | "allow" => {
    const v = raw.trim().toLowerCase();
    if (v === "deny" || v === "allow") return v;
    ctx.addIssue({ code: "custom", message: `'${raw}' is not deny or allow. ${ex(name)}` });
    return z.NEVER;
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

const backendUrl = z.string().transform((raw, ctx) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    ctx.addIssue({ code: "custom", message: `'${raw}' is not a URL. ${ex("TOLLGATE_BACKEND_URL")}` });
    return z.NEVER;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash || url.username) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' must be an http(s) URL without query, fragment or credentials. ${ex("TOLLGATE_BACKEND_URL")}`,
    });
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, "");
});

const frontDoorId = z.string().refine((v) => guid.test(v.trim()), {
  message: `is not a Front Door id (a GUID). ${ex("TOLLGATE_FRONT_DOOR_ID")}`,
});

// A secret: checked for length only, never echoed.
const gatewayKey = z.string().refine((v) => v.trim().length >= 16, {
  message: `must be at least 16 characters. ${ex("TOLLGATE_GATEWAY_KEY")}`,
});

const schema = z.object({
  TOLLGATE_TENANTS: tenants,
  TOLLGATE_AUDIENCES: audiences,
  TOLLGATE_AUTHORITY: authority.default("https://login.microsoftonline.com"),
  TOLLGATE_TOKEN_VERSIONS: tokenVersions.default(["2.0"]),
  TOLLGATE_ALGORITHMS: algorithms.default(["RS256"]),
  TOLLGATE_CLOCK_SKEW_SECONDS: integer("TOLLGATE_CLOCK_SKEW_SECONDS", 0, 300).default(60),
  TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS: integer(
    "TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS",
    60,
    30 * 86400,
  ).optional(),
  TOLLGATE_MAX_TOKEN_BYTES: integer("TOLLGATE_MAX_TOKEN_BYTES", 1024, 1024 * 1024).default(16 * 1024),
  TOLLGATE_CLIENT_APPS: clientApps.optional(),
  TOLLGATE_PRINCIPAL_KIND: principalKind.default("any"),
  TOLLGATE_STORAGE: storage,
  TOLLGATE_TABLE_PREFIX: tablePrefix.default("tollgate"),
  TOLLGATE_STORAGE_TIMEOUT_MS: integer("TOLLGATE_STORAGE_TIMEOUT_MS", 100, 60_000).default(2000),
  TOLLGATE_KEYS_FETCH_TIMEOUT_MS: integer("TOLLGATE_KEYS_FETCH_TIMEOUT_MS", 100, 60_000).default(5000),
  TOLLGATE_KEYS_REFRESH_SECONDS: integer("TOLLGATE_KEYS_REFRESH_SECONDS", 60, 7 * 86400).default(3600),
  TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: integer("TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS", 0, 3600).default(
    60,
  ),
  TOLLGATE_KEYS_MAX_STALENESS_SECONDS: integer(
    "TOLLGATE_KEYS_MAX_STALENESS_SECONDS",
    300,
    30 * 86400,
  ).default(72 * 3600),
  TOLLGATE_BACKEND_URL: backendUrl.optional(),
  TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: integer(
    "TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS",
    0,
    86400,
  ).default(300),
  TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS: integer("TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS", 5, 3600).default(60),
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
  TOLLGATE_POLICY_REFRESH_SECONDS: integer("TOLLGATE_POLICY_REFRESH_SECONDS", 1, 3600).default(30),
  TOLLGATE_MAX_BODY_BYTES: integer("TOLLGATE_MAX_BODY_BYTES", 0, 4 * 1024 ** 3).default(100 * 1024 * 1024),
  TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS: integer("TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS", 100, 60_000).default(
    5000,
  ),
  TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS: integer(
    "TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS",
    100,
    600_000,
  ).default(30_000),
  TOLLGATE_BACKEND_TIMEOUT_MS: integer("TOLLGATE_BACKEND_TIMEOUT_MS", 100, 3_600_000).default(120_000),
  TOLLGATE_ASSERTION_KEYS: z.string().optional(),
  TOLLGATE_ASSERTION_ISSUER: z.string().min(1).default("tollgate"),
  TOLLGATE_ASSERTION_LIFETIME_SECONDS: integer("TOLLGATE_ASSERTION_LIFETIME_SECONDS", 5, 3600).default(60),
  TOLLGATE_FRONT_DOOR_ID: frontDoorId.optional(),
  TOLLGATE_GATEWAY_KEY: gatewayKey.optional(),
  TOLLGATE_TELEMETRY_TRACES_PER_SECOND: decimal("TOLLGATE_TELEMETRY_TRACES_PER_SECOND", 0, 10_000).default(5),
  TOLLGATE_TELEMETRY_SAMPLING_RATIO: decimal("TOLLGATE_TELEMETRY_SAMPLING_RATIO", 0, 1).default(1),
  TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID: boolean("TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID").default(false),
  TOLLGATE_RATELIMIT_HEADERS: boolean("TOLLGATE_RATELIMIT_HEADERS").default(true),
  TOLLGATE_TOKEN_CACHE_SIZE: integer("TOLLGATE_TOKEN_CACHE_SIZE", 0, 1_000_000).default(10_000),
  TOLLGATE_REVOCATIONS_REFRESH_SECONDS: integer("TOLLGATE_REVOCATIONS_REFRESH_SECONDS", 1, 300).default(15),
  TOLLGATE_TENANTS_TABLE: boolean("TOLLGATE_TENANTS_TABLE").default(false),
  TOLLGATE_TENANTS_REFRESH_SECONDS: integer("TOLLGATE_TENANTS_REFRESH_SECONDS", 1, 300).default(15),
  TOLLGATE_GROUPS_GRAPH: boolean("TOLLGATE_GROUPS_GRAPH").default(false),
  TOLLGATE_GRAPH_URL: graphOrigin("TOLLGATE_GRAPH_URL").default("https://graph.microsoft.com"),
  TOLLGATE_GROUPS_CACHE_SECONDS: integer("TOLLGATE_GROUPS_CACHE_SECONDS", 10, 86400).default(300),
  TOLLGATE_GRAPH_TIMEOUT_MS: integer("TOLLGATE_GRAPH_TIMEOUT_MS", 100, 30_000).default(2000),
  TOLLGATE_GROUPS_ON_ERROR: onError("TOLLGATE_GROUPS_ON_ERROR").default("deny"),
  TOLLGATE_SIGNIN_SESSIONS_CHECK: boolean("TOLLGATE_SIGNIN_SESSIONS_CHECK").default(false),
  TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS: integer("TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS", 10, 3600).default(
    60,
  ),
  TOLLGATE_SIGNIN_SESSIONS_ON_ERROR: onError("TOLLGATE_SIGNIN_SESSIONS_ON_ERROR").default("allow"),
} satisfies Record<SettingName, z.ZodType>);

export class SettingsError extends Error {
  override readonly name = "SettingsError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`tollgate cannot start: ${problems.length === 1 ? problems[0] : `\n  ${problems.join("\n  ")}`}`);
    this.problems = problems;
  }
}

/** The storage setting falls back to what the Functions host itself uses. */
function storageFromHost(env: Record<string, string | undefined>): string | undefined {
  if (env.AzureWebJobsStorage) return env.AzureWebJobsStorage;
  // Identity-based host storage: AzureWebJobsStorage__accountName (or __tableServiceUri).
  if (env.AzureWebJobsStorage__tableServiceUri) return env.AzureWebJobsStorage__tableServiceUri;
  if (env.AzureWebJobsStorage__accountName) {
    return `https://${env.AzureWebJobsStorage__accountName}.table.core.windows.net`;
  }
  return undefined;
}

export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(SETTING_DOCS) as SettingName[]) {
    const value = env[name];
    // An app setting left blank means "not set", as in the Azure portal.
    input[name] =
      value === undefined || (value.trim() === "" && SETTING_DOCS[name].default !== undefined)
        ? undefined
        : value;
  }
  input.TOLLGATE_STORAGE ??= storageFromHost(env);

  const result = schema.safeParse(input);
  if (!result.success) {
    throw new SettingsError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "settings");
        return `${name} ${issue.message}`;
      }),
    );
  }
  const s = result.data;
  return {
    token: {
      authority: s.TOLLGATE_AUTHORITY,
      tenants: s.TOLLGATE_TENANTS,
      audiences: s.TOLLGATE_AUDIENCES,
      tokenVersions: s.TOLLGATE_TOKEN_VERSIONS,
      algorithms: s.TOLLGATE_ALGORITHMS,
      clockSkewSeconds: s.TOLLGATE_CLOCK_SKEW_SECONDS,
      maxTokenLifetimeSeconds: s.TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS,
      maxTokenBytes: s.TOLLGATE_MAX_TOKEN_BYTES,
      clientApps: s.TOLLGATE_CLIENT_APPS,
      principalKind: s.TOLLGATE_PRINCIPAL_KIND,
      cacheSize: s.TOLLGATE_TOKEN_CACHE_SIZE,
    },
    keys: {
      fetchTimeoutMs: s.TOLLGATE_KEYS_FETCH_TIMEOUT_MS,
      refreshSeconds: s.TOLLGATE_KEYS_REFRESH_SECONDS,
      refetchCooldownSeconds: s.TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS,
      maxStalenessSeconds: s.TOLLGATE_KEYS_MAX_STALENESS_SECONDS,
      removedKeyGraceSeconds: s.TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS,
      snapshotCheckSeconds: s.TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS,
    },
    backend: {
      defaultUrl: s.TOLLGATE_BACKEND_URL,
      maxBodyBytes: s.TOLLGATE_MAX_BODY_BYTES,
      connectTimeoutMs: s.TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS,
      firstByteTimeoutMs: s.TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS,
      totalTimeoutMs: s.TOLLGATE_BACKEND_TIMEOUT_MS,
    },
    policyRefreshSeconds: s.TOLLGATE_POLICY_REFRESH_SECONDS,
    rateLimitHeaders: s.TOLLGATE_RATELIMIT_HEADERS,
    assertion: {
      keys: s.TOLLGATE_ASSERTION_KEYS?.trim() === "" ? undefined : s.TOLLGATE_ASSERTION_KEYS,
      issuer: s.TOLLGATE_ASSERTION_ISSUER,
      lifetimeSeconds: s.TOLLGATE_ASSERTION_LIFETIME_SECONDS,
    },
    bypass: {
      frontDoorId: s.TOLLGATE_FRONT_DOOR_ID?.trim().toLowerCase(),
      gatewayKey: s.TOLLGATE_GATEWAY_KEY?.trim(),
    },
    storage: s.TOLLGATE_STORAGE,
    tablePrefix: s.TOLLGATE_TABLE_PREFIX,
    storageTimeoutMs: s.TOLLGATE_STORAGE_TIMEOUT_MS,
    telemetry: telemetryFrom(s),
    audit: {
      maxLifetimeSeconds: s.TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS,
      maxCaeLifetimeSeconds: s.TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS,
      minLifetimeSeconds: s.TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS,
      graph: s.TOLLGATE_AUDIT_GRAPH,
      graphUrl: s.TOLLGATE_AUDIT_GRAPH_URL,
      // By default the API is the application whose client id is one of the accepted audiences.
      apiAppId:
        s.TOLLGATE_AUDIT_API_APP_ID ?? s.TOLLGATE_AUDIENCES.find((aud) => guid.test(aud))?.toLowerCase(),
      enforce: s.TOLLGATE_AUDIT_ENFORCE,
    },
    timerSchedule: s.TOLLGATE_TIMER_SCHEDULE,
    continuousAccess: {
      revocationsRefreshSeconds: s.TOLLGATE_REVOCATIONS_REFRESH_SECONDS,
      tenantsTable: s.TOLLGATE_TENANTS_TABLE,
      tenantsRefreshSeconds: s.TOLLGATE_TENANTS_REFRESH_SECONDS,
    },
    groups: {
      graph: s.TOLLGATE_GROUPS_GRAPH,
      cacheSeconds: s.TOLLGATE_GROUPS_CACHE_SECONDS,
      onError: s.TOLLGATE_GROUPS_ON_ERROR,
    },
    graph: { url: s.TOLLGATE_GRAPH_URL, timeoutMs: s.TOLLGATE_GRAPH_TIMEOUT_MS },
    signInSessions: {
      check: s.TOLLGATE_SIGNIN_SESSIONS_CHECK,
      cacheSeconds: s.TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS,
      onError: s.TOLLGATE_SIGNIN_SESSIONS_ON_ERROR,
    },
  };
}

type TelemetryInput = Pick<
  z.output<typeof schema>,
  | "TOLLGATE_TELEMETRY_TRACES_PER_SECOND"
  | "TOLLGATE_TELEMETRY_SAMPLING_RATIO"
  | "TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID"
>;

function telemetryFrom(s: TelemetryInput): TelemetrySettings {
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
export function loadTelemetrySettings(
  env: Record<string, string | undefined> = process.env,
): TelemetrySettings {
  const names = [
    "TOLLGATE_TELEMETRY_TRACES_PER_SECOND",
    "TOLLGATE_TELEMETRY_SAMPLING_RATIO",
    "TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID",
  ] as const;
  const input: Record<string, string | undefined> = {};
  for (const name of names) input[name] = env[name]?.trim() ? env[name] : undefined;
  const result = schema
    .pick({
      TOLLGATE_TELEMETRY_TRACES_PER_SECOND: true,
      TOLLGATE_TELEMETRY_SAMPLING_RATIO: true,
      TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID: true,
    })
    .safeParse(input);
  if (!result.success) {
    throw new SettingsError(result.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`));
  }
  return telemetryFrom(result.data);
}
