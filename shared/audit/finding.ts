// One thing the token-lifetime audit found: what was seen, why it matters and the fix, with when
// it was first and last seen. Ids are stable, so the same problem stays one finding across runs.

export type FindingSeverity = "high" | "warning" | "info";

/** Which half of the audit found it: lifetimes seen in traffic, or policies configured in Entra. */
export type FindingSource = "observed" | "configured";

export type FindingCode =
  /** Tokens of a client without CAE live longer than the limit. */
  | "token_lifetime_too_long"
  /** Tokens of a CAE-capable client live longer than the (longer) CAE limit. */
  | "cae_token_lifetime_too_long"
  /** Every token of a client lives shorter than the refresh-storm limit. */
  | "token_lifetime_too_short"
  /** A token-lifetime policy in Entra sets AccessTokenLifetime over the limit. */
  | "policy_lifetime_too_long"
  /** A token-lifetime policy is the organization default: it applies to every application. */
  | "policy_is_organization_default"
  /** A token-lifetime policy is assigned to the protected API's application. */
  | "policy_assigned_to_api"
  /** Microsoft Graph refused the audit (403): a permission is missing. */
  | "graph_permission_missing"
  /** Rules decide on groups, and a client app's tokens had a groups overage. */
  | "groups_overage_with_group_rules";

export interface Finding {
  /** Stable across runs; safe as a Table RowKey. */
  id: string;
  source: FindingSource;
  code: FindingCode;
  severity: FindingSeverity;
  /** What it is about, e.g. `client app 0f1e…` or `policy 4d2f…`. */
  subject: string;
  tenantId?: string;
  clientAppId?: string;
  policyId?: string;
  /** What was seen. */
  seen: string;
  /** Why it matters. */
  why: string;
  /** What to change. */
  fix: string;
  /** ms since epoch. */
  firstSeen: number;
  lastSeen: number;
  /** Set when a complete audit run no longer found it. */
  resolvedAt?: number;
}

/** How a run left a finding: reported once per run for every finding it touched. */
export interface FindingEvent {
  type: "finding";
  state: "new" | "open" | "resolved";
  finding: Finding;
}

export const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = { high: 0, warning: 1, info: 2 };

/** Most severe first, then the most recently seen. */
export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.lastSeen - a.lastSeen;
}
