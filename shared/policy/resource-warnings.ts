// The Entra pitfalls a protected resource in the role map shows on its face: a URL Entra will not
// match byte for byte against the Application ID URI, v1-only issuers, scopes written the way a
// client requests them instead of the way Entra puts them in `scp`, and `offline_access`.

import { guid } from "../config/parsers.js";
import type { Policy } from "./policy-schema.js";

const DEFAULT_PORT: Readonly<Record<string, string>> = { "https:": "443", "http:": "80" };

function urlWarnings(where: string, raw: string): string[] {
  const url = new URL(raw);
  const warnings: string[] = [];
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/]*)/i.exec(raw)?.[1] ?? "";
  if (/[A-Z]/.test(raw.slice(0, raw.indexOf("://") + 3 + authority.length))) {
    warnings.push(
      `${where}.url: '${raw}' has upper-case letters in its scheme or host; clients send it lower-cased, and Entra compares the Application ID URI exactly: write '${url.origin}${url.pathname === "/" ? "" : url.pathname}'`,
    );
  }
  const port = /:(\d+)$/.exec(authority)?.[1];
  if (port !== undefined && port === DEFAULT_PORT[url.protocol]) {
    warnings.push(
      `${where}.url: '${raw}' names the default port ${port}; clients leave it out, so the Application ID URI would not match: drop ':${port}'`,
    );
  }
  return warnings;
}

export function resourceWarnings(policy: Policy): string[] {
  const warnings: string[] = [];
  for (const [id, resource] of Object.entries(policy.resources)) {
    const where = `resources.${id}`;
    warnings.push(...urlWarnings(where, resource.url));
    for (const server of resource.authorizationServers) {
      const url = new URL(server);
      if (url.hostname === "sts.windows.net" || !/\/v2\.0$/.test(url.pathname)) {
        warnings.push(
          `${where}.authorizationServers: '${server}' is not a v2.0 issuer; MCP clients discover OpenID configuration under the tenant's v2.0 issuer (https://login.microsoftonline.com/{tenant}/v2.0), and the API needs requestedAccessTokenVersion: 2`,
        );
      }
    }
    if (!resource.audiences.some((aud) => guid.test(aud))) {
      warnings.push(
        `${where}.audiences: no client-id GUID; Entra v2 tokens carry the API's client id as 'aud' even when the client asked for the Application ID URI`,
      );
    }
    for (const scope of resource.scopes) {
      if (scope === "offline_access") {
        warnings.push(
          `${where}.scopes: 'offline_access' asks for a refresh token; it is never in an access token's 'scp' and names nothing this resource checks`,
        );
      } else if (scope.includes("://") || scope.includes("/")) {
        const own = scope.startsWith(`${resource.url}/`);
        warnings.push(
          `${where}.scopes: '${scope}' is ${own ? "the requested form" : "prefixed with another resource's URI"}; Entra puts the short name in 'scp' ('${scope.slice(scope.lastIndexOf("/") + 1)}'), and tollgate adds '${resource.url}/' where a client needs it`,
        );
      }
    }
  }
  return warnings;
}

/**
 * What the settings in the environment (when the CLI has them) say against the resources: v1-only
 * tokens (a resource's clients get v2 tokens, `requestedAccessTokenVersion: 2`) and resource
 * audiences missing from TOLLGATE_AUDIENCES (refused before any rule is read).
 */
export function resourceSettingWarnings(
  policy: Policy,
  env: { TOLLGATE_TOKEN_VERSIONS?: string | undefined; TOLLGATE_AUDIENCES?: string | undefined },
): string[] {
  const resources = Object.entries(policy.resources);
  if (resources.length === 0) return [];
  const list = (raw: string) =>
    raw
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  const warnings: string[] = [];
  const versions = env.TOLLGATE_TOKEN_VERSIONS;
  if (versions !== undefined && !list(versions).some((v) => v === "2" || v === "2.0")) {
    warnings.push(
      `TOLLGATE_TOKEN_VERSIONS accepts only v1 tokens, but resources (${resources.map(([id]) => id).join(", ")}) get v2 tokens: set requestedAccessTokenVersion: 2 on the API and accept version 2`,
    );
  }
  const audiences = env.TOLLGATE_AUDIENCES;
  if (audiences !== undefined) {
    const allowed = new Set(list(audiences).map((aud) => (guid.test(aud) ? aud.toLowerCase() : aud)));
    for (const [id, resource] of resources) {
      const missing = resource.audiences.filter((aud) => !allowed.has(aud));
      if (missing.length > 0) {
        warnings.push(
          `resources.${id}.audiences: ${missing.map((aud) => `'${aud}'`).join(", ")} not on TOLLGATE_AUDIENCES; such tokens are refused before any rule is read`,
        );
      }
    }
  }
  return warnings;
}
