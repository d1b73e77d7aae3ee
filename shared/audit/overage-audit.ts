// The groups-overage finding: rules decide on groups, and client apps present tokens that had too
// many groups to list them. Each such request needs Graph (or is refused); app roles avoid both.

import type { Finding } from "./finding.js";
import type { LifetimeAggregate } from "./lifetime-table.js";

const iso = (ms: number) => new Date(ms).toISOString();

/** One finding per tenant and client app whose tokens overflowed, when any rule uses groups. */
export function auditGroupsOverage(
  rows: readonly LifetimeAggregate[],
  groupRules: readonly string[],
): Finding[] {
  if (groupRules.length === 0) return [];
  const byApp = new Map<
    string,
    { tenantId: string; clientAppId: string; count: number; first: number; last: number }
  >();
  for (const row of rows) {
    if (!row.overageCount) continue;
    const key = `${row.tenantId}_${row.clientAppId}`;
    const seen = byApp.get(key);
    if (seen === undefined) {
      byApp.set(key, {
        tenantId: row.tenantId,
        clientAppId: row.clientAppId,
        count: row.overageCount,
        first: row.firstSeen,
        last: row.lastSeen,
      });
    } else {
      seen.count += row.overageCount;
      seen.first = Math.min(seen.first, row.firstSeen);
      seen.last = Math.max(seen.last, row.lastSeen);
    }
  }
  const rules = groupRules.map((id) => `'${id}'`).join(", ");
  return [...byApp.values()].map((app) => ({
    id: `observed_groups-overage_${app.tenantId}_${app.clientAppId}`,
    source: "observed" as const,
    code: "groups_overage_with_group_rules" as const,
    severity: "warning" as const,
    subject: `client app ${app.clientAppId}`,
    tenantId: app.tenantId,
    clientAppId: app.clientAppId,
    seen:
      `${app.count} access tokens of client app ${app.clientAppId} (tenant ${app.tenantId}) had a groups overage ` +
      `(too many groups to list) between ${iso(app.first)} and ${iso(app.last)}, and the rules ${rules} decide on groups.`,
    why:
      "Entra leaves the groups out of such tokens: tollgate must look them up in Microsoft Graph (TOLLGATE_GROUPS_GRAPH), " +
      "which adds a dependency and a delay, or the group rules refuse these callers.",
    fix:
      "Use app roles instead of groups (Microsoft's recommended fix): define roles on the API's app registration, " +
      "assign the groups to them in Enterprise applications, and require `roles` in those rules; roles are always in the token. " +
      "Alternatively emit only the groups assigned to the application (groupMembershipClaims: ApplicationGroup).",
    firstSeen: app.first,
    lastSeen: app.last,
  }));
}
