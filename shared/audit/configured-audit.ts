// The configured half of the audit: Entra's token-lifetime policies, read through Microsoft Graph.
// Flags policies whose AccessTokenLifetime is over the limit, the organization default, and those
// assigned to the protected API's application; a 403 becomes a finding that names the permission.

import type { Finding } from "./finding.js";
import { GraphError, type GraphReader } from "./graph-reader.js";
import { exceedsLimit, formatDuration } from "./lifetime-limits.js";
import { parseTokenLifetimePolicy, type TokenLifetimePolicy } from "./token-lifetime-policy.js";

export const POLICIES_PATH = "/v1.0/policies/tokenLifetimePolicies";

/** Graph addresses an application by client id (`appId`) or by object id; both are GUIDs. */
export function assignedPoliciesPaths(apiAppId: string): string[] {
  return [
    `/v1.0/applications(appId='${encodeURIComponent(apiAppId)}')/tokenLifetimePolicies`,
    `/v1.0/applications/${encodeURIComponent(apiAppId)}/tokenLifetimePolicies`,
  ];
}

export interface ConfiguredAuditOptions {
  /** The protected API's application (client) id or object id; without it that check is skipped. */
  apiAppId: string | undefined;
  /** Limit for AccessTokenLifetime, in seconds (the limit for clients without CAE). */
  maxLifetimeSeconds: number;
  now: number;
}

export interface ConfiguredAuditResult {
  findings: Finding[];
  /** Every check ran: findings from earlier runs that are missing now are resolved. */
  complete: boolean;
  /** Why a check could not run (for the log), one line each. */
  problems: string[];
}

const idPart = (id: string) => id.replace(/[^A-Za-z0-9-]/g, "_");

function describe(policy: TokenLifetimePolicy): string {
  return `Token-lifetime policy "${policy.displayName}" (${policy.id})`;
}

function lifetimeText(policy: TokenLifetimePolicy): string {
  return policy.accessTokenLifetimeSeconds === undefined
    ? "Entra's default access-token lifetime"
    : `AccessTokenLifetime ${policy.accessTokenLifetime} (${formatDuration(policy.accessTokenLifetimeSeconds)})`;
}

const LONG_LIVED_WHY =
  "A leaked access token works until it expires, and without CAE nothing cuts it short when the user is " +
  "disabled or their sessions are revoked: every extra hour of lifetime is an hour a thief keeps access.";

function permissionFinding(
  path: string,
  error: GraphError,
  what: string,
  permissions: string,
  now: number,
): Finding {
  const key = path === POLICIES_PATH ? "policies" : "api-assignments";
  return {
    id: `graph-permission_${key}`,
    source: "configured",
    code: "graph_permission_missing",
    severity: "warning",
    subject: "Microsoft Graph",
    seen: `Microsoft Graph refused GET ${path} with 403${error.code ? ` (${error.code})` : ""}: the identity tollgate runs as may not ${what}.`,
    why:
      "Without it the audit cannot see the token-lifetime policies configured in Entra ID, so long-lived tokens " +
      "are only noticed once they reach the gateway.",
    fix: `Grant the Function App's managed identity the Microsoft Graph application permission ${permissions} (an administrator must consent), or set TOLLGATE_AUDIT_GRAPH=false.`,
    firstSeen: now,
    lastSeen: now,
  };
}

function policyFindings(policy: TokenLifetimePolicy, limitSeconds: number, now: number): Finding[] {
  const findings: Finding[] = [];
  const common = {
    source: "configured" as const,
    subject: `policy ${policy.id}`,
    policyId: policy.id,
    firstSeen: now,
    lastSeen: now,
  };
  const lifetime = policy.accessTokenLifetimeSeconds;
  if (lifetime !== undefined && exceedsLimit(lifetime, limitSeconds)) {
    findings.push({
      id: `policy-lifetime_${idPart(policy.id)}`,
      code: "policy_lifetime_too_long",
      severity: "high",
      ...common,
      seen:
        `${describe(policy)} sets ${lifetimeText(policy)}, over the ${formatDuration(limitSeconds)} limit` +
        `${policy.isOrganizationDefault ? "; as the organization default it applies to every application in the tenant" : ""}.`,
      why: LONG_LIVED_WHY,
      fix: `Shorten AccessTokenLifetime on policy "${policy.displayName}" to ${formatDuration(limitSeconds)} or less (PATCH ${POLICIES_PATH}/${policy.id}), or delete the policy and rely on Entra's defaults and CAE.`,
    });
  }
  if (policy.isOrganizationDefault) {
    findings.push({
      id: `policy-org-default_${idPart(policy.id)}`,
      code: "policy_is_organization_default",
      severity: "warning",
      ...common,
      seen: `${describe(policy)} is the organization default (${lifetimeText(policy)}).`,
      why:
        "An organization-default policy changes token lifetimes for every application in the tenant, including " +
        "ones nobody reviewed for it; a lifetime is best set per application, where its cost is understood.",
      fix: `Set isOrganizationDefault to false on policy "${policy.displayName}" and assign it only to the applications that need it.`,
    });
  }
  return findings;
}

function assignedFinding(
  policy: TokenLifetimePolicy,
  apiAppId: string,
  limitSeconds: number,
  now: number,
): Finding {
  const lifetime = policy.accessTokenLifetimeSeconds;
  const tooLong = lifetime !== undefined && exceedsLimit(lifetime, limitSeconds);
  return {
    id: `policy-assigned-api_${idPart(policy.id)}`,
    source: "configured",
    code: "policy_assigned_to_api",
    severity: tooLong ? "high" : "info",
    subject: `policy ${policy.id}`,
    policyId: policy.id,
    seen: `${describe(policy)} is assigned to the protected API's application ${apiAppId}: tokens for this API follow its ${lifetimeText(policy)}.`,
    why: tooLong
      ? LONG_LIVED_WHY
      : "Tokens for this API follow this policy instead of Entra's defaults; whoever changes the policy changes this API's exposure.",
    fix: tooLong
      ? `Shorten AccessTokenLifetime on policy "${policy.displayName}" to ${formatDuration(limitSeconds)} or less, or remove its assignment (DELETE /v1.0/applications/{id}/tokenLifetimePolicies/${policy.id}/$ref).`
      : `None while AccessTokenLifetime stays within ${formatDuration(limitSeconds)}; review changes to policy "${policy.displayName}" with this API in mind.`,
    firstSeen: now,
    lastSeen: now,
  };
}

/** Lists the policies assigned to the API's application, trying its client id, then its object id. */
async function assignedPolicies(
  graph: GraphReader,
  apiAppId: string,
): Promise<{ path: string; items: unknown[] } | undefined> {
  for (const path of assignedPoliciesPaths(apiAppId)) {
    try {
      return { path, items: await graph.list(path) };
    } catch (error) {
      if (error instanceof GraphError && error.status === 404) continue;
      throw error;
    }
  }
  return undefined;
}

export async function auditConfiguredPolicies(
  graph: GraphReader,
  options: ConfiguredAuditOptions,
): Promise<ConfiguredAuditResult> {
  const { now, maxLifetimeSeconds: limit } = options;
  const findings: Finding[] = [];
  const problems: string[] = [];

  let items: unknown[];
  try {
    items = await graph.list(POLICIES_PATH);
  } catch (error) {
    if (error instanceof GraphError && error.status === 403) {
      findings.push(
        permissionFinding(POLICIES_PATH, error, "read token-lifetime policies", "Policy.Read.All", now),
      );
    }
    problems.push(error instanceof Error ? error.message : String(error));
    return { findings, complete: false, problems };
  }
  for (const item of items) {
    const policy = parseTokenLifetimePolicy(item);
    if (policy !== undefined) findings.push(...policyFindings(policy, limit, now));
  }

  let complete = true;
  if (options.apiAppId === undefined) {
    problems.push(
      "no protected API application id (TOLLGATE_AUDIT_API_APP_ID): policies assigned to it are not checked",
    );
  } else {
    try {
      const assigned = await assignedPolicies(graph, options.apiAppId);
      if (assigned === undefined) {
        complete = false;
        problems.push(
          `Microsoft Graph knows no application with client id or object id ${options.apiAppId} (TOLLGATE_AUDIT_API_APP_ID)`,
        );
      } else {
        for (const item of assigned.items) {
          const policy = parseTokenLifetimePolicy(item);
          if (policy !== undefined) findings.push(assignedFinding(policy, options.apiAppId, limit, now));
        }
      }
    } catch (error) {
      complete = false;
      if (error instanceof GraphError && error.status === 403) {
        findings.push(
          permissionFinding(
            error.path,
            error,
            `read the token-lifetime policies assigned to application ${options.apiAppId}`,
            "Policy.Read.All together with Application.ReadWrite.OwnedBy (with the identity an owner of the API's app registration) or Application.ReadWrite.All",
            now,
          ),
        );
      }
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { findings, complete, problems };
}
