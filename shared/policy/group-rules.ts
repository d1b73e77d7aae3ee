// Which rules decide on group membership: the audit flags them when tokens overflow their groups.

import type { Policy, Requirement } from "./policy-schema.js";

function usesGroups(requirement: Requirement): boolean {
  if ("allOf" in requirement) return requirement.allOf.some(usesGroups);
  if ("anyOf" in requirement) return requirement.anyOf.some(usesGroups);
  return "groups" in requirement;
}

/** Ids of the rules (and the default rule) whose requirement names groups. */
export function groupRuleIds(policy: Policy): string[] {
  const rules = [...policy.rules, ...(policy.defaultRule === "deny" ? [] : [policy.defaultRule])];
  return rules
    .filter((rule) => rule.require !== undefined && usesGroups(rule.require))
    .map((rule) => rule.id);
}
