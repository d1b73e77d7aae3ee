// The tenant part of Entra metadata URLs, and the issuer strings each tenant path implies.

/** The tenant every Microsoft (personal) account token comes from; Entra serves it as `consumers`. */
export const MSA_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";

/** What Entra writes in an issuer when the metadata serves many tenants. */
export const TENANT_TEMPLATE = "{tenantid}";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TenantPath {
  /** The path segment as served back in URLs: a lower-case GUID, `common`, `organizations` or `consumers`. */
  segment: string;
  /** The tenant part of issuers under this path: the GUID, the MSA tenant, or `{tenantid}`. */
  issuerTenant: string;
  /** True for a tenant GUID, whose metadata has a region; the shared paths have none. */
  isTenant: boolean;
}

/**
 * Reads the first path segment of a metadata URL. Any GUID is accepted, as though every tenant
 * existed; anything else that is not a shared path is unknown (undefined).
 */
export function parseTenantPath(segment: string): TenantPath | undefined {
  if (GUID.test(segment)) {
    // Entra answers for an upper-case GUID but always speaks of the tenant in lower case.
    const tid = segment.toLowerCase();
    return { segment: tid, issuerTenant: tid, isTenant: true };
  }
  switch (segment.toLowerCase()) {
    case "common":
    case "organizations":
      return { segment: segment.toLowerCase(), issuerTenant: TENANT_TEMPLATE, isTenant: false };
    case "consumers":
      return { segment: "consumers", issuerTenant: MSA_TENANT_ID, isTenant: false };
    default:
      return undefined;
  }
}
