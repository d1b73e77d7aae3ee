// The role map's decision for one request: which rule applies, whether the caller meets it, and
// where the request goes if it does. Pure and synchronous; the gateway turns it into a response.

import type { Reason } from "../reasons.js";
import type { Principal } from "../token/principal.js";
import type { DecisionTrace } from "./decision-trace.js";
import { evaluateRequirement } from "./evaluate.js";
import type { DefaultRule, Policy, PolicyRule } from "./policy-schema.js";
import { matchRule, type RouteRequest } from "./route-match.js";

export interface Decision {
  /**
   * `report_only_deny`: the rule would refuse, but is report-only, so the request goes on and the
   * refusal is only recorded. `invalid_path`: no rule may match the path (see `request-path.ts`);
   * answer 400 and never forward.
   */
  outcome: "allow" | "deny" | "report_only_deny" | "invalid_path";
  /** The rule that decided: a matched rule, or the default rule when it is not plain "deny". */
  rule?: PolicyRule | DefaultRule;
  /** Path parameters of the matched rule. */
  params?: Record<string, string>;
  reason?: Extract<Reason, "no_matching_rule" | "insufficient_scope" | "auth_context_required">;
  /** For `auth_context_required`: the authentication context a stronger sign-in must meet. */
  authContext?: string;
  /** Space-separated role and scope names for `WWW-Authenticate: Bearer ... scope="..."`. */
  requiredScope?: string;
  /** The named backend; undefined means the default backend setting. */
  backend?: string;
  backendUrl?: string;
  rateLimit?: string;
  /** Send the caller's Authorization header on to the backend. False whenever outcome is a refusal. */
  forwardAuthorization: boolean;
  /** The caller was refused (or would be) because its token could not list its groups. */
  groupsOverage?: boolean;
  /** Safe to show the caller: never the token, tenant ids, client ids or group ids. */
  message: string;
}

/** The decision letting a request on under `rule`: where it goes, what it is charged to. */
export function allowedBy(
  policy: Policy,
  rule: PolicyRule | DefaultRule,
  params: Record<string, string> | undefined,
  message = "Allowed.",
): Decision {
  const passes: Decision = {
    outcome: "allow",
    rule,
    forwardAuthorization: rule.forwardAuthorization,
    message,
  };
  if (params) passes.params = params;
  if (rule.backend !== undefined) {
    passes.backend = rule.backend;
    passes.backendUrl = policy.backends[rule.backend]?.url;
  }
  if (rule.rateLimit !== undefined) passes.rateLimit = rule.rateLimit;
  return passes;
}

/** `trace`, when given, records the rules tried and the requirement tree (see decision-trace.ts). */
export function authorize(
  policy: Policy,
  request: RouteRequest,
  principal: Principal,
  trace?: DecisionTrace,
): Decision {
  const match = matchRule(policy, request, trace?.rules);
  if (match !== undefined && "invalidPath" in match) {
    return { outcome: "invalid_path", forwardAuthorization: false, message: `Refused: ${match.problem}.` };
  }
  const rule = match?.rule ?? (policy.defaultRule === "deny" ? undefined : policy.defaultRule);
  if (rule === undefined) {
    return {
      outcome: "deny",
      reason: "no_matching_rule",
      forwardAuthorization: false,
      message: `No rule allows ${request.method} requests to this path.`,
    };
  }

  const passes = allowedBy(policy, rule, match?.params);

  const result =
    rule.require === undefined
      ? { satisfied: true as const }
      : evaluateRequirement(rule.require, principal, trace?.requirement);
  if (result.satisfied) return passes;

  const stepUp = result.stepUp?.[0];
  const refusal: Partial<Decision> =
    stepUp === undefined
      ? { reason: "insufficient_scope" }
      : { reason: "auth_context_required", authContext: stepUp };
  if (result.missing.length > 0) refusal.requiredScope = result.missing.join(" ");
  if (result.groupsOverage) refusal.groupsOverage = true;
  if (rule.reportOnly) {
    return {
      ...passes,
      ...refusal,
      outcome: "report_only_deny",
      message: `Allowed in report-only mode; the rule requires ${result.needs}.`,
    };
  }
  return {
    outcome: "deny",
    rule,
    ...(match ? { params: match.params } : {}),
    ...refusal,
    forwardAuthorization: false,
    message: `This request requires ${result.needs}.`,
  };
}
