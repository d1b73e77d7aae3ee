// The claims of an Entra access token, v1 or v2, user or app, as Entra would write them.

import { createHash, randomBytes } from "node:crypto";
import { issuerV1, issuerV2, type TokenVersion } from "./metadata.js";

export interface MintOptions {
  /** Default "2.0". */
  version?: TokenVersion;
  /** Tenant of the token (`tid`, and the tenant in `iss`); default the issuer's defaultTenant. */
  tid?: string;
  /** Default the issuer's defaultAudience. */
  aud?: string | string[];
  /** A delegated (user) token or an app-only (client credentials) token; default "user". */
  kind?: "user" | "app";
  /** Delegated scopes, space-separated; default "access_as_user" for users, none for apps. */
  scp?: string;
  roles?: string[];
  groups?: string[];
  /** Emit Entra's `_claim_names`/`_claim_sources` overage pointer instead of `groups`. */
  groupsOverage?: boolean;
  /** Default the issuer's defaultUserOid (users) or defaultAppOid (the client's service principal). */
  oid?: string;
  /** Default: a pairwise id per user and client app (users), the oid (apps). */
  sub?: string;
  /** `azp` (v2) / `appid` (v1); default the issuer's defaultClientApp. */
  clientAppId?: string;
  /** Include the optional `idtyp` claim ("user" or "app"); default true for apps, false for users. */
  idtyp?: boolean;
  /** Client capabilities, e.g. ["cp1"] from a client that handles CAE claims challenges. */
  xms_cc?: string[];
  /** Default 3600. */
  lifetimeSeconds?: number;
  /** Seconds since the epoch for `iat` and `nbf`; default the issuer's clock. */
  now?: number;
  /** Overrides `iss`. */
  iss?: string;
  /** Signs with this key; default the active key. The header's kid and x5t follow it. */
  kid?: string;
  /** Extra or overriding protected-header members (nonce, crit, jku, typ, alg...); `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Extra or overriding claims, any JSON value (e.g. `exp` as a string); `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** Claim names to delete after everything else. */
  omit?: string[];
}

export interface ClaimDefaults {
  authority: string;
  tenant: string;
  audience: string;
  clientApp: string;
  userOid: string;
  appOid: string;
}

/** The user every delegated token is for, unless a test overrides the claims. */
export const DEFAULT_USER = {
  givenName: "Avery",
  familyName: "Example",
  upn: "avery.example@contoso.onmicrosoft.com",
} as const;

/** `ipaddr` of v1 user tokens: a documentation address (RFC 5737). */
const CLIENT_IP = "203.0.113.7";

export function buildClaims(
  options: MintOptions,
  defaults: ClaimDefaults,
  nowSeconds: number,
): Record<string, unknown> {
  const version = options.version ?? "2.0";
  const kind = options.kind ?? "user";
  const user = kind === "user";
  const tid = options.tid ?? defaults.tenant;
  const clientApp = options.clientAppId ?? defaults.clientApp;
  const oid = options.oid ?? (user ? defaults.userOid : defaults.appOid);
  const iat = options.now ?? nowSeconds;
  const scp = options.scp ?? (user ? "access_as_user" : undefined);
  // Client authentication: user tokens here come from public clients ("0"); client credentials
  // need a secret or certificate, so app tokens say "1".
  const clientAcr = user ? "0" : "1";
  const name = `${DEFAULT_USER.givenName} ${DEFAULT_USER.familyName}`;

  const shared = {
    aud: options.aud ?? defaults.audience,
    iss: options.iss ?? (version === "2.0" ? issuerV2(defaults.authority, tid) : issuerV1(tid)),
    iat,
    nbf: iat,
    exp: iat + (options.lifetimeSeconds ?? 3600),
  };
  const groups = options.groupsOverage
    ? {
        _claim_names: { groups: "src1" },
        _claim_sources: {
          src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${oid}/getMemberObjects` },
        },
      }
    : optional("groups", options.groups);
  const tail = {
    oid,
    rh: `0.A${randomBytes(45).toString("base64url")}.`,
    ...optional("roles", options.roles),
    ...optional("scp", scp),
    sub: options.sub ?? (user ? pairwiseSubject(oid, clientApp) : oid),
    tid,
    uti: randomBytes(16).toString("base64url"),
  };
  const idtyp = (options.idtyp ?? !user) ? { idtyp: kind } : {};

  const claims: Record<string, unknown> =
    version === "2.0"
      ? {
          ...shared,
          aio: aio(),
          azp: clientApp,
          azpacr: clientAcr,
          ...groups,
          ...idtyp,
          ...(user ? { name } : {}),
          ...tail,
          ...(user ? { preferred_username: DEFAULT_USER.upn } : {}),
          ver: "2.0",
          ...optional("xms_cc", options.xms_cc),
        }
      : {
          ...shared,
          ...(user ? { acr: "1" } : {}),
          aio: aio(),
          ...(user ? { amr: ["pwd", "mfa"] } : {}),
          appid: clientApp,
          appidacr: clientAcr,
          ...(user ? { family_name: DEFAULT_USER.familyName, given_name: DEFAULT_USER.givenName } : {}),
          ...groups,
          ...(user ? {} : { idp: issuerV1(tid) }),
          ...idtyp,
          ...(user ? { ipaddr: CLIENT_IP, name } : {}),
          ...tail,
          ...(user ? { unique_name: DEFAULT_USER.upn, upn: DEFAULT_USER.upn } : {}),
          ver: "1.0",
          ...optional("xms_cc", options.xms_cc),
        };

  for (const [claim, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete claims[claim];
    else claims[claim] = value;
  }
  for (const claim of options.omit ?? []) delete claims[claim];
  return claims;
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

/** Entra's user `sub` is pairwise: the same user has a different subject in each client app. */
function pairwiseSubject(oid: string, clientApp: string): string {
  return createHash("sha256").update(`${oid}:${clientApp}`).digest("base64url");
}

/** Entra's opaque `aio` session blob: standard base64, so it carries `+`, `/` and `=`. */
function aio(): string {
  return randomBytes(70).toString("base64");
}
