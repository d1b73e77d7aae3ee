// RFC 9728 protected-resource metadata: each resource in the role map, served unauthenticated at
// /.well-known/oauth-protected-resource plus the resource's path, so a client that got a 401
// can find out which authorization server to ask and for which scopes.

import type { Policy } from "../policy/policy-schema.js";
import { metadataPath, type ProtectedResource, requestableScopes } from "../policy/resources.js";
import type { IncomingRequest } from "./request-handler.js";

/** Exactly the RFC 9728 §2 members tollgate can state; empty ones are left out. */
export function metadataDocument(resource: ProtectedResource): Record<string, unknown> {
  const scopes = requestableScopes(resource, [...resource.scopes, ...resource.roles]);
  return {
    resource: resource.url,
    authorization_servers: resource.authorizationServers,
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    bearer_methods_supported: ["header"],
    ...(resource.name !== undefined ? { resource_name: resource.name } : {}),
    ...(resource.documentation !== undefined ? { resource_documentation: resource.documentation } : {}),
  };
}

/** The resource whose metadata lives at this path; on a tie, the one for this host. */
export function resourceAtMetadataPath(
  policy: Policy,
  pathname: string,
  host: string,
): ProtectedResource | undefined {
  const candidates = Object.values(policy.resources).filter((r) => metadataPath(r) === pathname);
  return candidates.find((r) => new URL(r.url).host === host.toLowerCase()) ?? candidates[0];
}

/** The metadata answer, or undefined when the request is not for a resource's metadata. */
export function protectedResourceMetadata(
  policy: Policy | undefined,
  request: IncomingRequest,
  url: URL,
): Response | undefined {
  if (policy === undefined || (request.method !== "GET" && request.method !== "HEAD")) return undefined;
  if (!url.pathname.startsWith("/.well-known/oauth-protected-resource")) return undefined;
  const resource = resourceAtMetadataPath(policy, url.pathname, url.host);
  if (resource === undefined) return undefined;
  const body = JSON.stringify(metadataDocument(resource));
  return new Response(request.method === "HEAD" ? null : body, {
    headers: {
      "content-type": "application/json",
      // Public and the same for everyone; a pushed policy change shows within the hour.
      "cache-control": "public, max-age=3600",
    },
  });
}
