// The refusal a role-map decision turns into, and the checks that follow it in the gateway's
// order (path, the resource's audience, the agent stance, the requirement), so the gateway and
// `tollgate explain` answer a request with the same reason, status and challenge.

import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";
import { checkAgentStance } from "./agent-rule.js";
import type { Decision } from "./authorize.js";
import type { Policy } from "./policy-schema.js";
import { checkResourceAudience, resourceOf } from "./resource-gate.js";

/** The error the decision itself calls for, or undefined when it lets the request on. */
export function refusalOf(decision: Decision): TollgateError | undefined {
  if (decision.outcome === "invalid_path") return new TollgateError("path_invalid", decision.message);
  if (decision.outcome === "deny") {
    return new TollgateError(decision.reason ?? "insufficient_scope", decision.message, {
      ...(decision.requiredScope ? { requiredScope: decision.requiredScope } : {}),
    });
  }
  return undefined;
}

/**
 * Throws the refusal for this decision and caller, checks in the gateway's order; else returns
 * the protected resource the deciding rule belongs to, if any.
 */
export function enforceDecision(
  policy: Policy,
  decision: Decision,
  principal: Principal,
): ReturnType<typeof resourceOf> {
  if (decision.outcome === "invalid_path") throw refusalOf(decision);
  const resource = resourceOf(policy, decision.rule);
  if (resource !== undefined) checkResourceAudience(resource, principal);
  checkAgentStance(decision.rule?.agents, principal);
  const refused = refusalOf(decision);
  if (refused) throw refused;
  return resource;
}
