// Which Entra metadata validates which token: one source per token version and tenant path.

import type { TokenSettings, TokenVersion } from "../config/settings.js";
import type { KeySource } from "./types.js";

/** The tenant path Entra serves multi-tenant metadata under, per token version. */
const ANY_TENANT_PATH: Record<TokenVersion, string> = { "2.0": "organizations", "1.0": "common" };

export function keySource(authority: string, version: TokenVersion, tenant: string): KeySource {
  const discoveryUrl =
    version === "2.0"
      ? `${authority}/${tenant}/v2.0/.well-known/openid-configuration`
      : `${authority}/${tenant}/.well-known/openid-configuration`;
  return { id: `v${version}_${tenant}`, version, tenant, discoveryUrl };
}

/** Every source the settings imply: for each accepted version, each tenant (or the any-tenant path). */
export function keySourcesFor(
  settings: Pick<TokenSettings, "authority" | "tenants" | "tokenVersions">,
): KeySource[] {
  const sources: KeySource[] = [];
  for (const version of settings.tokenVersions) {
    const tenants = settings.tenants.any ? [ANY_TENANT_PATH[version]] : settings.tenants.ids;
    for (const tenant of tenants) sources.push(keySource(settings.authority, version, tenant));
  }
  return sources;
}

/**
 * The source that validates a token of this version from this tenant, or undefined when the
 * settings accept no such token. `tid` must already be a lower-case GUID.
 */
export function keySourceForToken(
  settings: Pick<TokenSettings, "authority" | "tenants" | "tokenVersions">,
  version: TokenVersion,
  tid: string,
): KeySource | undefined {
  if (!settings.tokenVersions.includes(version)) return undefined;
  if (settings.tenants.any) return keySource(settings.authority, version, ANY_TENANT_PATH[version]);
  return settings.tenants.ids.includes(tid) ? keySource(settings.authority, version, tid) : undefined;
}
