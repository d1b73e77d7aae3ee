// Entra-shaped metadata documents: v1 and v2 OpenID discovery, and the JWKS each one names.
// Field names, values and order follow what login.microsoftonline.com serves.

import type { TenantPath } from "./tenants.js";

export type TokenVersion = "1.0" | "2.0";

/** Entra's v2 issuer: on the authority host, with `/v2.0`. */
// Both versions' documents list these claims first, in this order, as Entra's do.
const LEADING_CLAIMS = [
  "sub",
  "iss",
  "cloud_instance_name",
  "cloud_instance_host_name",
  "cloud_graph_host_name",
  "msgraph_host",
  "aud",
  "exp",
  "iat",
  "auth_time",
  "acr",
];

export function issuerV2(authority: string, tenant: string): string {
  return `${authority}/${tenant}/v2.0`;
}

/** Entra's v1 issuer: always `sts.windows.net`, whatever host served the metadata. */
export function issuerV1(tenant: string): string {
  return `https://sts.windows.net/${tenant}/`;
}

export function jwksUri(authority: string, version: TokenVersion, tenant: TenantPath): string {
  return version === "2.0"
    ? `${authority}/${tenant.segment}/discovery/v2.0/keys`
    : `${authority}/${tenant.segment}/discovery/keys`;
}

const CLOUD = {
  cloud_instance_name: "microsoftonline.com",
  cloud_graph_host_name: "graph.windows.net",
  msgraph_host: "graph.microsoft.com",
  rbac_url: "https://pas.windows.net",
} as const;

const AUTH_METHODS = ["client_secret_post", "private_key_jwt", "client_secret_basic"];

export function discoveryV2(authority: string, tenant: TenantPath): Record<string, unknown> {
  const base = `${authority}/${tenant.segment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    jwks_uri: jwksUri(authority, "2.0", tenant),
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: issuerV2(authority, tenant.issuerTenant),
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      ...LEADING_CLAIMS,
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: tenant.isTenant ? "NA" : null,
    ...CLOUD,
  };
}

export function discoveryV1(authority: string, tenant: TenantPath): Record<string, unknown> {
  const base = `${authority}/${tenant.segment}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    jwks_uri: jwksUri(authority, "1.0", tenant),
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/logout`,
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    scopes_supported: ["openid"],
    issuer: issuerV1(tenant.issuerTenant),
    claims_supported: [...LEADING_CLAIMS, "amr", "nonce", "email", "given_name", "family_name", "nickname"],
    microsoft_multi_refresh_token: true,
    check_session_iframe: `${base}/oauth2/checksession`,
    userinfo_endpoint: `${base}/openid/userinfo`,
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: tenant.isTenant ? "NA" : null,
    ...CLOUD,
  };
}
