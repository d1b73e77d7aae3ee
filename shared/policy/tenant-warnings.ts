// Rules that are open to every tenant's administrators when the API accepts any tenant. Under
// `TOLLGATE_TENANTS=*` a tenant's admin can assign themselves the API's app roles (and consent
// to its scopes) in their own tenant, so a role or scope alone admits every tenant's "admins".

import type { Policy, Requirement } from "./policy-schema.js";

/** Warnings for `policy`, served under `TOLLGATE_TENANTS=*`: role or scope rules with no tenant condition. */
export function anyTenantWarnings(policy: Policy): string[] {
  const warnings: string[] = [];
  const open = (require: Requirement | undefined) =>
    require !== undefined && namesRolesOrScopes(require) && !pinsTenant(require);
  policy.rules.forEach((rule, index) => {
    if (open(rule.require)) {
      warnings.push(
        `rules[${index}] (${rule.id}) requires roles or scopes but no tenant: with TOLLGATE_TENANTS=* any ` +
          "tenant's administrator can grant them in their own tenant; add 'tenants: [...]' under 'allOf'",
      );
    }
  });
  if (policy.defaultRule !== "deny" && open(policy.defaultRule.require)) {
    warnings.push(
      "defaultRule requires roles or scopes but no tenant: with TOLLGATE_TENANTS=* any tenant's administrator can grant them",
    );
  }
  return warnings;
}

function namesRolesOrScopes(node: Requirement): boolean {
  if ("allOf" in node) return node.allOf.some(namesRolesOrScopes);
  if ("anyOf" in node) return node.anyOf.some(namesRolesOrScopes);
  return "roles" in node || "scopes" in node;
}

/** True when no caller can meet `node` without a `tenants` condition holding. */
function pinsTenant(node: Requirement): boolean {
  if ("allOf" in node) return node.allOf.some(pinsTenant);
  if ("anyOf" in node) return node.anyOf.every(pinsTenant);
  return "tenants" in node;
}
