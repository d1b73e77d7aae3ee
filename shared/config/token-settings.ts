// The token settings: which tenants, audiences, versions, algorithms, client apps and caller kinds
// tollgate accepts, and the limits it checks a token against.

import { z } from "zod";
import { CONSUMER_TENANT } from "./consumer-tenant.js";
import { setting } from "./parse-settings.js";
import { csv, guid } from "./parsers.js";
import { ex, integer, required, url, wholeNumber } from "./setting-values.js";

export type TokenVersion = "1.0" | "2.0";
export type PrincipalKindRequirement = "any" | "user" | "app";
/** `consumers`: personal Microsoft accounts too (`*` with the consumer tenant listed beside it). */
export type TenantPolicy = { any: true; consumers?: true } | { any: false; ids: readonly string[] };

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

const tenants = required("TOLLGATE_TENANTS").transform((raw, ctx): TenantPolicy => {
  if (raw.trim() === "*") return { any: true };
  const ids = csv(raw);
  // '*' is every organisation; personal accounts join only when their tenant is named too.
  if (ids.length === 2 && ids.includes("*") && ids.some((id) => id.toLowerCase() === CONSUMER_TENANT)) {
    return { any: true, consumers: true };
  }
  for (const id of ids) {
    if (id === "*") {
      ctx.addIssue({
        code: "custom",
        message: `'*' (any tenant) cannot be mixed with tenant ids, except the consumer tenant ${CONSUMER_TENANT} (personal accounts). ${ex("TOLLGATE_TENANTS")}`,
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

// Plain HTTP only for a loopback issuer (tests, the sandbox); Entra itself is always HTTPS.
const authority = url("TOLLGATE_AUTHORITY", {
  shape: "origin",
  http: "loopback",
  must: "the authority host only, without a tenant or path",
  wrongScheme: "must use https (http is allowed only on loopback)",
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

export const tokenSpec = {
  tenants: setting("TOLLGATE_TENANTS", () => tenants),
  audiences: setting("TOLLGATE_AUDIENCES", () => audiences),
  authority: setting("TOLLGATE_AUTHORITY", () => authority.default("https://login.microsoftonline.com")),
  tokenVersions: setting("TOLLGATE_TOKEN_VERSIONS", () => tokenVersions.default(["2.0"])),
  algorithms: setting("TOLLGATE_ALGORITHMS", () => algorithms.default(["RS256"])),
  clockSkewSeconds: setting("TOLLGATE_CLOCK_SKEW_SECONDS", wholeNumber(0, 300, 60)),
  maxTokenLifetimeSeconds: setting("TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS", (n) =>
    integer(n, 60, 30 * 86400).optional(),
  ),
  maxTokenBytes: setting("TOLLGATE_MAX_TOKEN_BYTES", wholeNumber(1024, 1024 * 1024, 16 * 1024)),
  clientApps: setting("TOLLGATE_CLIENT_APPS", () => clientApps.optional()),
  principalKind: setting("TOLLGATE_PRINCIPAL_KIND", () => principalKind.default("any")),
  cacheSize: setting("TOLLGATE_TOKEN_CACHE_SIZE", wholeNumber(0, 1_000_000, 10_000)),
} as const;
