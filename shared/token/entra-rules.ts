// Microsoft Entra ID's rules over an access token's claims: version and issuer, tenant,
// audience, lifetime, client application and caller kind. Each failure names its reason.

import { CONSUMER_TENANT } from "../config/consumer-tenant.js";
import { guid } from "../config/parsers.js";
import type {
  PrincipalKindRequirement,
  TenantPolicy,
  TokenSettings,
  TokenVersion,
} from "../config/settings.js";
import { TollgateError } from "../reasons.js";

/** Microsoft Graph and the retired Azure AD Graph, by URI and by application id. */
const GRAPH_AUDIENCES = new Set([
  "https://graph.microsoft.com",
  "https://graph.microsoft.com/",
  "00000003-0000-0000-c000-000000000000",
  "https://graph.windows.net",
  "https://graph.windows.net/",
  "00000002-0000-0000-c000-000000000000",
]);

export interface RoutingClaims {
  version: TokenVersion;
  /** Lower-case tenant GUID. */
  tid: string;
  iss: string;
}

function stringClaim(payload: Record<string, unknown>, name: string): string {
  const value = payload[name];
  if (typeof value !== "string" || value === "") {
    throw new TollgateError("claim_invalid", `The token's '${name}' claim is missing or not a string.`);
  }
  return value;
}

/** Seconds since the epoch as a finite number: rejects strings, 1e400 (Infinity) and NaN. */
function numericDate(payload: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = payload[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TollgateError("claim_invalid", `The token's '${name}' claim is missing or not a NumericDate.`);
  }
  return value;
}

export function rejectGraphAudience(payload: Record<string, unknown>): void {
  const { aud } = payload;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (audiences.some((a) => typeof a === "string" && GRAPH_AUDIENCES.has(a.toLowerCase()))) {
    throw new TollgateError(
      "graph_token",
      "This is a Microsoft Graph token. Request a token for this API's scope (api://…/.default or a named scope) instead.",
    );
  }
}

/** The claims that choose which metadata and keys validate the token. */
export function readRoutingClaims(
  payload: Record<string, unknown>,
  settings: Pick<TokenSettings, "tokenVersions" | "tenants">,
): RoutingClaims {
  const ver = payload.ver;
  if (ver !== "1.0" && ver !== "2.0") {
    throw new TollgateError("claim_invalid", 'The token\'s \'ver\' claim must be "1.0" or "2.0".');
  }
  if (!settings.tokenVersions.includes(ver)) {
    throw new TollgateError(
      "token_version_not_allowed",
      `v${ver} tokens are not accepted here (accepted: ${settings.tokenVersions.map((v) => `v${v}`).join(", ")}). ` +
        "Set accessTokenAcceptedVersion in the API's app registration, or widen TOLLGATE_TOKEN_VERSIONS.",
    );
  }
  const tid = stringClaim(payload, "tid");
  if (!guid.test(tid))
    throw new TollgateError("claim_invalid", "The token's 'tid' claim is not a tenant GUID.");
  const tenant = tid.toLowerCase();
  if (tenant === CONSUMER_TENANT && settings.tenants.any && settings.tenants.consumers !== true) {
    throw new TollgateError(
      "tenant_not_allowed",
      "Personal Microsoft accounts are not accepted by this API.",
    );
  }
  if (!tenantAllowed(settings.tenants, tenant)) {
    throw new TollgateError("tenant_not_allowed", `Tenant ${tenant} is not allowed to call this API.`);
  }
  return { version: ver, tid: tenant, iss: stringClaim(payload, "iss") };
}

function tenantAllowed(tenants: TenantPolicy, tid: string): boolean {
  return tenants.any || tenants.ids.includes(tid);
}

/** The issuer must be exactly the metadata's issuer for this tenant: no other tenant's, no other version's. */
export function checkIssuer(claims: RoutingClaims, metadataIssuer: string): void {
  const expected = metadataIssuer.replaceAll("{tenantid}", claims.tid);
  if (claims.iss !== expected) {
    throw new TollgateError(
      "issuer_not_allowed",
      `The token's issuer does not match tenant ${claims.tid}'s v${claims.version} issuer (${expected}).`,
    );
  }
}

/**
 * Entra publishes an `issuer` on each v2 key. A key may sign only tokens of that issuer, with
 * `{tenantid}` standing for the token's tenant; v1 tokens are compared in their v2 form, as
 * Microsoft.IdentityModel does, because the v1 keys carry no issuer of their own.
 */
export function checkKeyIssuer(
  keyIssuer: string | undefined,
  claims: RoutingClaims,
  authority: string,
): void {
  if (keyIssuer === undefined) return;
  const effective = keyIssuer.replaceAll("{tenantid}", claims.tid);
  const v2Form = `${authority}/${claims.tid}/v2.0`;
  if (effective !== claims.iss && effective !== v2Form) {
    throw new TollgateError(
      "issuer_not_allowed",
      `The signing key is published for a different issuer than the token's (${claims.tid}).`,
    );
  }
}

export interface TimeClaims {
  issuedAt: number;
  expiresAt: number;
  notBefore: number | undefined;
}

export function checkTimes(
  payload: Record<string, unknown>,
  nowSeconds: number,
  settings: Pick<TokenSettings, "clockSkewSeconds" | "maxTokenLifetimeSeconds">,
): TimeClaims {
  const skew = settings.clockSkewSeconds;
  const expiresAt = numericDate(payload, "exp", true) as number;
  const issuedAt = numericDate(payload, "iat", true) as number;
  const notBefore = numericDate(payload, "nbf", false);
  if (nowSeconds - skew >= expiresAt) {
    throw new TollgateError(
      "token_expired",
      `The token expired at ${new Date(expiresAt * 1000).toISOString()}.`,
    );
  }
  if (notBefore !== undefined && nowSeconds + skew < notBefore) {
    throw new TollgateError(
      "token_not_yet_valid",
      `The token is not valid before ${new Date(notBefore * 1000).toISOString()}.`,
    );
  }
  if (nowSeconds + skew < issuedAt) {
    throw new TollgateError("token_issued_in_future", "The token's issue time (iat) is in the future.");
  }
  if (expiresAt <= issuedAt) {
    throw new TollgateError("claim_invalid", "The token expires before it was issued.");
  }
  const max = settings.maxTokenLifetimeSeconds;
  if (max !== undefined && expiresAt - issuedAt > max) {
    throw new TollgateError(
      "token_lifetime_exceeds_policy",
      `The token lives ${expiresAt - issuedAt} s; this API accepts at most ${max} s.`,
    );
  }
  return { issuedAt, expiresAt, notBefore };
}

export function checkAudience(payload: Record<string, unknown>, audiences: readonly string[]): string {
  const { aud } = payload;
  // Entra access tokens carry exactly one audience; an array is someone else's token format.
  if (typeof aud !== "string") {
    throw new TollgateError("audience_not_allowed", "The token's audience (aud) must be a single value.");
  }
  if (!audiences.includes(aud)) {
    throw new TollgateError(
      "audience_not_allowed",
      "The token was issued for a different audience than this API.",
    );
  }
  return aud;
}

/** The calling application: `azp` in v2 tokens, `appid` in v1. ID tokens have neither. */
export function checkClientApp(
  payload: Record<string, unknown>,
  version: TokenVersion,
  clientApps: readonly string[] | undefined,
): string {
  const claim = version === "2.0" ? "azp" : "appid";
  const value = payload[claim];
  if (typeof value !== "string" || !guid.test(value)) {
    throw new TollgateError(
      "not_an_access_token",
      `The token has no client application (${claim}); send an access token, not an ID token.`,
    );
  }
  const appId = value.toLowerCase();
  if (clientApps !== undefined && !clientApps.includes(appId)) {
    throw new TollgateError(
      "client_app_not_allowed",
      `Client application ${appId} is not allowed to call this API.`,
    );
  }
  return appId;
}

/**
 * User or app: `idtyp` when the token carries it (an optional claim), else delegated tokens
 * are the ones with `scp`.
 */
export function principalKind(
  payload: Record<string, unknown>,
  required: PrincipalKindRequirement,
): "user" | "app" {
  const { idtyp, scp } = payload;
  let kind: "user" | "app";
  if (idtyp === "app" || idtyp === "user") kind = idtyp;
  else if (idtyp !== undefined)
    throw new TollgateError("claim_invalid", "The token's 'idtyp' claim is not user or app.");
  else kind = scp === undefined ? "app" : "user";
  if (required !== "any" && kind !== required) {
    throw new TollgateError(
      "principal_kind_not_allowed",
      `This API accepts only ${required} tokens; this is a ${kind} token.`,
    );
  }
  return kind;
}
