// Public rules (`public: true`): decided from the route alone, before any token is read, so a
// backend's health or documentation endpoint needs no token. Every other request goes through
// the token and the role map exactly as before.

import { allowedBy, type Decision } from "./authorize.js";
import type { DecisionTrace } from "./decision-trace.js";
import type { Policy } from "./policy-schema.js";
import { matchRule, type RouteRequest } from "./route-match.js";

// Worked out once per loaded policy: most role maps have no public rule, and their requests
// should not pay a second route match for one.
const withPublicRules = new WeakMap<Policy, boolean>();

function hasPublicRules(policy: Policy): boolean {
  let known = withPublicRules.get(policy);
  if (known === undefined) {
    known = policy.rules.some((rule) => rule.public);
    withPublicRules.set(policy, known);
  }
  return known;
}

/**
 * The decision when a public rule decides this route, else undefined (then the token is checked
 * as for any rule). The route is matched as the role map will match it later, every reading
 * included (case, trailing slash, `;` parameters): a path another reading sends to another rule
 * is not public. MCP rules are counted as matching any call here (`mcp: "any"`): a public rule
 * after an MCP rule for the same route is never reached without a token, since the MCP rule
 * might take the call.
 */
export function publicDecision(
  policy: Policy,
  request: RouteRequest,
  trace?: DecisionTrace,
): Decision | undefined {
  if (!hasPublicRules(policy)) return undefined;
  const match = matchRule(policy, { ...request, mcp: "any" });
  if (match === undefined || "invalidPath" in match || !match.rule.public) return undefined;
  trace?.rules.push({ ruleId: match.rule.id, matched: true });
  // No token is read, so none is forwarded (the schema refuses forwardAuthorization here too).
  return {
    ...allowedBy(policy, match.rule, match.params, "Allowed: a public route."),
    forwardAuthorization: false,
  };
}
