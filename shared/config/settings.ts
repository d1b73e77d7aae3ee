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

export interface Settings {
  token: TokenSettings;
  keys: KeySettings;
  backend: BackendSettings;
  policyRefreshSeconds: number;
  assertion: AssertionSettings;
  bypass: BypassSettings;
  storage: StorageTarget;
  tablePrefix: string;
  storageTimeoutMs: number;
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
    },
    keys: {
      fetchTimeoutMs: s.TOLLGATE_KEYS_FETCH_TIMEOUT_MS,
      refreshSeconds: s.TOLLGATE_KEYS_REFRESH_SECONDS,
      refetchCooldownSeconds: s.TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS,
      maxStalenessSeconds: s.TOLLGATE_KEYS_MAX_STALENESS_SECONDS,
    },
    backend: {
      defaultUrl: s.TOLLGATE_BACKEND_URL,
      maxBodyBytes: s.TOLLGATE_MAX_BODY_BYTES,
      connectTimeoutMs: s.TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS,
      firstByteTimeoutMs: s.TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS,
      totalTimeoutMs: s.TOLLGATE_BACKEND_TIMEOUT_MS,
    },
    policyRefreshSeconds: s.TOLLGATE_POLICY_REFRESH_SECONDS,
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
  };
}
