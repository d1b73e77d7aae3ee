// The tenants table: one row per onboarded tenant. The CLI writes it; gateways mirror it.

import type { TableClient } from "@azure/data-tables";
import { ensureTable } from "../storage/entity-table.js";
import type { TableClientFactory } from "../storage/table-client.js";
import { tableName } from "../storage/table-names.js";
import { fromTenantEntity, TENANT_PARTITION, type TenantRecord, toTenantEntity } from "./tenant.js";

export function tenantTableClient(tables: TableClientFactory, prefix: string): TableClient {
  return tables(tableName(prefix, "tenants"));
}

export async function readTenant(
  client: TableClient,
  tenantId: string,
  signal?: AbortSignal,
): Promise<TenantRecord | undefined> {
  try {
    const entity = await client.getEntity<Record<string, unknown>>(TENANT_PARTITION, tenantId, {
      abortSignal: signal,
    });
    return fromTenantEntity(entity);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

export async function putTenant(
  client: TableClient,
  record: TenantRecord,
  signal?: AbortSignal,
): Promise<void> {
  await ensureTable(client, signal);
  await client.upsertEntity(toTenantEntity(record), "Replace", { abortSignal: signal });
}

export async function listTenants(client: TableClient, signal?: AbortSignal): Promise<TenantRecord[]> {
  const records: TenantRecord[] = [];
  try {
    for await (const entity of client.listEntities<Record<string, unknown>>({ abortSignal: signal })) {
      const record = fromTenantEntity(entity);
      if (record !== undefined) records.push(record);
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return records;
}
