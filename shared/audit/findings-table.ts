// The audit's findings in Table Storage: one entity per finding, partitioned by the half of the
// audit that found it. The timer writes them; `tollgate audit` lists them.

import { z } from "zod";
import { type EntityTableOptions, openEntityTable } from "../storage/entity-table.js";
import type { Finding } from "./finding.js";

export interface FindingsTable {
  /** Every stored finding, resolved ones included; none when the table is missing. */
  list(): Promise<Finding[]>;
  /** Replaces each finding's entity; creates the table when it is missing. */
  save(findings: readonly Finding[]): Promise<void>;
}

export type FindingsTableOptions = EntityTableOptions;

const findingSchema = z.object({
  rowKey: z.string(),
  source: z.enum(["observed", "configured"]),
  code: z.enum([
    "token_lifetime_too_long",
    "cae_token_lifetime_too_long",
    "token_lifetime_too_short",
    "policy_lifetime_too_long",
    "policy_is_organization_default",
    "policy_assigned_to_api",
    "graph_permission_missing",
    "groups_overage_with_group_rules",
  ]),
  severity: z.enum(["high", "warning", "info"]),
  subject: z.string(),
  tenantId: z.string().optional(),
  clientAppId: z.string().optional(),
  policyId: z.string().optional(),
  seen: z.string(),
  why: z.string(),
  fix: z.string(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  resolvedAt: z.number().optional(),
});

const double = (value: number) => ({ value, type: "Double" as const });

export function createFindingsTable(options: FindingsTableOptions): FindingsTable {
  const table = openEntityTable(options, "findings");

  async function upsert(finding: Finding): Promise<void> {
    const entity = {
      partitionKey: finding.source,
      rowKey: finding.id,
      source: finding.source,
      code: finding.code,
      severity: finding.severity,
      subject: finding.subject,
      ...(finding.tenantId ? { tenantId: finding.tenantId } : {}),
      ...(finding.clientAppId ? { clientAppId: finding.clientAppId } : {}),
      ...(finding.policyId ? { policyId: finding.policyId } : {}),
      seen: finding.seen,
      why: finding.why,
      fix: finding.fix,
      firstSeen: double(finding.firstSeen),
      lastSeen: double(finding.lastSeen),
      ...(finding.resolvedAt !== undefined ? { resolvedAt: double(finding.resolvedAt) } : {}),
    };
    // Replace, so that a finding seen again loses its resolvedAt.
    await table.replace(entity);
  }

  return {
    async list() {
      const stored = await table.list(findingSchema);
      return stored.map(({ rowKey, resolvedAt, tenantId, clientAppId, policyId, ...rest }) => ({
        id: rowKey,
        ...rest,
        ...(tenantId ? { tenantId } : {}),
        ...(clientAppId ? { clientAppId } : {}),
        ...(policyId ? { policyId } : {}),
        ...(resolvedAt !== undefined ? { resolvedAt } : {}),
      }));
    },
    async save(findings) {
      for (const finding of findings) await upsert(finding);
    },
  };
}
