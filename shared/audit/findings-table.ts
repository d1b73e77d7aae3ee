// The audit's findings in Table Storage: one entity per finding, partitioned by the half of the
// audit that found it. The timer writes them; `tollgate audit` lists them.

import type { TableClient } from "@azure/data-tables";
import { z } from "zod";
import { ensureTable, type TableClientFactory } from "../storage/table-client.js";
import { tableName } from "../storage/table-names.js";
import type { Finding } from "./finding.js";

export interface FindingsTable {
  /** Every stored finding, resolved ones included; none when the table is missing. */
  list(): Promise<Finding[]>;
  /** Replaces each finding's entity; creates the table when it is missing. */
  save(findings: readonly Finding[]): Promise<void>;
}

export interface FindingsTableOptions {
  tables: TableClientFactory;
  tablePrefix: string;
  storageTimeoutMs: number;
}

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

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

export function createFindingsTable(options: FindingsTableOptions): FindingsTable {
  const name = tableName(options.tablePrefix, "findings");
  let client: TableClient | undefined;
  const table = (): TableClient => {
    client ??= options.tables(name);
    return client;
  };
  const signal = () => AbortSignal.timeout(options.storageTimeoutMs);

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
    try {
      // Replace, so that a finding seen again loses its resolvedAt.
      await table().upsertEntity(entity, "Replace", { abortSignal: signal() });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await ensureTable(table(), signal());
      await table().upsertEntity(entity, "Replace", { abortSignal: signal() });
    }
  }

  return {
    async list() {
      const findings: Finding[] = [];
      try {
        const entities = table().listEntities<Record<string, unknown>>({
          abortSignal: AbortSignal.timeout(options.storageTimeoutMs * 10),
        });
        for await (const entity of entities) {
          const parsed = findingSchema.safeParse(entity);
          if (!parsed.success) continue;
          const { rowKey, resolvedAt, tenantId, clientAppId, policyId, ...rest } = parsed.data;
          findings.push({
            id: rowKey,
            ...rest,
            ...(tenantId ? { tenantId } : {}),
            ...(clientAppId ? { clientAppId } : {}),
            ...(policyId ? { policyId } : {}),
            ...(resolvedAt !== undefined ? { resolvedAt } : {}),
          });
        }
      } catch (error) {
        if (statusOf(error) === 404) return [];
        throw error;
      }
      return findings;
    },
    async save(findings) {
      for (const finding of findings) await upsert(finding);
    },
  };
}
