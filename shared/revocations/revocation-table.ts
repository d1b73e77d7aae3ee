// The revocation list in Table Storage: one partition, one entity per target, row key from
// `targetKey`. The CLI writes it; every gateway instance mirrors it (see revocation-index.ts).

import type { TableClient } from "@azure/data-tables";
import { ensureTable } from "../storage/entity-table.js";
import type { TableClientFactory } from "../storage/table-client.js";
import { tableName } from "../storage/table-names.js";
import { parseTargetKey, type Revocation, targetKey } from "./revocation.js";

export const REVOCATION_PARTITION = "revocation";

export function revocationTableClient(tables: TableClientFactory, prefix: string): TableClient {
  return tables(tableName(prefix, "revocations"));
}

interface RevocationEntity {
  partitionKey: string;
  rowKey: string;
  reason: string;
  addedBy: string;
  addedAt: string;
  issuedBefore?: string;
  expiresAt?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toEntity(entry: Revocation): RevocationEntity {
  return {
    partitionKey: REVOCATION_PARTITION,
    rowKey: targetKey(entry.target),
    reason: entry.reason,
    addedBy: entry.addedBy,
    addedAt: iso(entry.addedAt),
    ...(entry.issuedBefore === undefined ? {} : { issuedBefore: iso(entry.issuedBefore * 1000) }),
    ...(entry.expiresAt === undefined ? {} : { expiresAt: iso(entry.expiresAt) }),
  };
}

function time(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The entry an entity holds, or undefined for a row this code did not write (a hand edit): such a
 * row is skipped rather than trusted, and the CLI's list shows it as unreadable.
 */
export function fromEntity(entity: Readonly<Record<string, unknown>>): Revocation | undefined {
  if (entity.partitionKey !== REVOCATION_PARTITION || typeof entity.rowKey !== "string") return undefined;
  const target = parseTargetKey(entity.rowKey);
  const addedAt = time(entity.addedAt);
  if (target === undefined || addedAt === undefined) return undefined;
  const issuedBefore = time(entity.issuedBefore);
  const expiresAt = time(entity.expiresAt);
  if (entity.issuedBefore !== undefined && issuedBefore === undefined) return undefined;
  if (entity.expiresAt !== undefined && expiresAt === undefined) return undefined;
  return {
    target,
    reason: typeof entity.reason === "string" ? entity.reason : "",
    addedBy: typeof entity.addedBy === "string" ? entity.addedBy : "",
    addedAt,
    ...(issuedBefore === undefined ? {} : { issuedBefore: Math.floor(issuedBefore / 1000) }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/** Adds or replaces the entry for its target. */
export async function putRevocation(
  client: TableClient,
  entry: Revocation,
  signal?: AbortSignal,
): Promise<void> {
  await ensureTable(client, signal);
  await client.upsertEntity(toEntity(entry), "Replace", { abortSignal: signal });
}

/** Removes the entry for the target key; false when there was none. */
export async function deleteRevocation(
  client: TableClient,
  key: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.deleteEntity(REVOCATION_PARTITION, key, { abortSignal: signal });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/** Every row, readable or not (the CLI names the unreadable ones). */
export async function listRevocationRows(
  client: TableClient,
  signal?: AbortSignal,
): Promise<{ key: string; entry: Revocation | undefined }[]> {
  const rows: { key: string; entry: Revocation | undefined }[] = [];
  try {
    for await (const entity of client.listEntities<Record<string, unknown>>({ abortSignal: signal })) {
      rows.push({ key: String(entity.rowKey), entry: fromEntity(entity) });
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return rows;
}
