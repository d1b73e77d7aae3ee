// The resource a request's rule belongs to: its audiences narrow the global allow-list on its
// routes, and its metadata URL and scopes go into every 401 and 403 challenge there.

import { guid } from "../config/parsers.js";
import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";
import { evaluateRequirement } from "./evaluate.js";
import type { DefaultRule, Policy, PolicyRule } from "./policy-schema.js";
import { metadataUrl, type ProtectedResource, type RouteTimeouts, requestableScopes } from "./resources.js";
import { matchRule, type RouteRequest } from "./route-match.js";

export function resourceOf(
  policy: Policy,
  rule: PolicyRule | DefaultRule | undefined,
): ProtectedResource | undefined {
  return rule?.resource === undefined ? undefined : policy.resources[rule.resource];
}

/** The rule that would decide this route whatever the token or body says, for challenges. */
export function routeRule(policy: Policy, request: RouteRequest): PolicyRule | DefaultRule | undefined {
  const match = matchRule(policy, { ...request, mcp: "any" });
  if (match !== undefined && "rule" in match) return match.rule;
  if (match === undefined && policy.defaultRule !== "deny") return policy.defaultRule;
  return undefined;
}

// Whether a policy has MCP rules at all, worked out once per loaded policy: most role maps have
// none, and their requests should not pay a second route match for them.
const withMcpRules = new WeakMap<Policy, boolean>();

function hasMcpRules(policy: Policy): boolean {
  let known = withMcpRules.get(policy);
  if (known === undefined) {
    known = policy.rules.some((rule) => rule.mcp !== undefined);
    withMcpRules.set(policy, known);
  }
  return known;
}

/** True when a rule with `mcp` could match this route: its body has to be read first. */
export function takesMcpRules(policy: Policy, request: RouteRequest): boolean {
  return hasMcpRules(policy) && routeRule(policy, request)?.mcp !== undefined;
}

/** A token for another audience is refused here, even when the global allow-list has it. */
export function checkResourceAudience(resource: ProtectedResource, principal: Principal): void {
  // Audiences in the role map are stored lower-cased when they are GUIDs; so is this one.
  const audience = guid.test(principal.audience) ? principal.audience.toLowerCase() : principal.audience;
  if (!resource.audiences.includes(audience)) {
    throw new TollgateError(
      "audience_not_allowed",
      "The token was issued for a different resource than this one; ask for a token for this resource.",
    );
  }
}

/** Rule over resource: an MCP stream's timeouts, say, over the settings' defaults. */
export function routeTimeouts(
  resource: ProtectedResource | undefined,
  rule: PolicyRule | DefaultRule | undefined,
): RouteTimeouts {
  return { ...resource?.timeouts, ...rule?.timeouts };
}

const NOBODY: Principal = {
  tenantId: "",
  objectId: "",
  subject: "",
  clientAppId: "",
  kind: "app",
  scopes: [],
  roles: [],
  groups: [],
  groupsOverage: false,
  tokenVersion: "2.0",
  audience: "",
  issuedAt: 0,
  expiresAt: 0,
  caeCapable: false,
};

export interface ResourceChallenge {
  resourceMetadata: string;
  /** Space-separated, as the client asks Entra for them. */
  scope?: string;
}

/**
 * What a 401 or 403 on a resource's route tells the client: where the metadata is, and the scopes
 * to ask for. On a 403 `insufficient_scope`, the names the caller lacked; on a 401, what the rule
 * asks of a caller with nothing (or, for a rule asking nothing or an MCP rule, what the resource
 * offers: its delegated scopes, else `{resource}/.default`).
 */
export function resourceChallenge(
  policy: Policy,
  rule: PolicyRule | DefaultRule | undefined,
  refusal: TollgateError,
): ResourceChallenge | undefined {
  const resource = resourceOf(policy, rule);
  if (resource === undefined) return undefined;
  const out: ResourceChallenge = { resourceMetadata: metadataUrl(resource) };
  let names: string[];
  if (refusal.status === 403 && refusal.requiredScope) {
    names = refusal.requiredScope.split(" ");
  } else if (refusal.status === 401) {
    // An MCP rule found before the body was read may not be the one the message picks: the
    // resource's own scopes are the honest answer there.
    const result =
      rule?.require === undefined || rule.mcp !== undefined
        ? undefined
        : evaluateRequirement(rule.require, NOBODY);
    names =
      result !== undefined && !result.satisfied && result.missing.length > 0
        ? result.missing
        : [...resource.scopes];
    if (names.length === 0) names = [".default"];
  } else {
    return out;
  }
  const scopes = requestableScopes(resource, names);
  if (scopes.length > 0) out.scope = scopes.join(" ");
  return out;
}
