// Where a shadow candidate lives: its own table, laid out exactly as the policy table (immutable
// versions and an ETag-guarded pointer, so `pushPolicy` and `PolicyStore` serve it unchanged),
// plus one partition per candidate version holding each instance's difference counts.

import { odata, type TableClient } from "@azure/data-tables";
import type { TableClientFactory } from "../storage/table-client.js";
import { tableName } from "../storage/table-names.js";

export function shadowTableClient(tables: TableClientFactory, tablePrefix: string): TableClient {
  return tables(tableName(tablePrefix, "shadow"));
}

/** One kind of difference between the live decision and the candidate's. */
export interface DifferenceKey {
  /** `allow`, `report_only_deny`, `invalid_path`, or `deny:<reason>`. */
  liveOutcome: string;
  shadowOutcome: string;
  /** The deciding rule's id, `-` when none decided. */
  liveRule: string;
  shadowRule: string;
}

export interface DifferenceCount extends DifferenceKey {
  count: number;
  /** ms since epoch. */
  firstSeen: number;
  lastSeen: number;
}

export function countsPartition(versionId: string): string {
  return `d_${versionId}`;
}

/** Row keys may not hold '/', '\\', '#' or '?': the key's fields joined after escaping them. */
export function differenceRowKey(instanceId: string, key: DifferenceKey): string {
  const part = (value: string) => encodeURIComponent(value).replace(/%/g, "$");
  return [instanceId, key.liveOutcome, key.shadowOutcome, key.liveRule, key.shadowRule].map(part).join("|");
}

/**
 * Writes one instance's cumulative counts (Replace upserts in one batch per 100 rows): each
 * instance owns its rows, so writes never contend and a repeated write is harmless.
 */
export async function writeDifferenceCounts(
  client: TableClient,
  versionId: string,
  instanceId: string,
  rows: readonly DifferenceCount[],
  signal: AbortSignal,
): Promise<void> {
  const partitionKey = countsPartition(versionId);
  for (let start = 0; start < rows.length; start += 100) {
    const batch = rows
      .slice(start, start + 100)
      .map(
        (row) =>
          [
            "upsert",
            { partitionKey, rowKey: differenceRowKey(instanceId, row), instanceId, ...row },
            "Replace",
          ] as const,
      );
    await client.submitTransaction(
      batch.map((action) => [...action]),
      { abortSignal: signal },
    );
  }
}

/** Every instance's counts for a candidate version, summed per kind of difference. */
export async function readDifferenceCounts(
  client: TableClient,
  versionId: string,
  signal: AbortSignal,
): Promise<DifferenceCount[]> {
  const sums = new Map<string, DifferenceCount>();
  const rows = client.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`PartitionKey eq ${countsPartition(versionId)}` },
    abortSignal: signal,
  });
  for await (const row of rows) {
    const key: DifferenceKey = {
      liveOutcome: String(row.liveOutcome),
      shadowOutcome: String(row.shadowOutcome),
      liveRule: String(row.liveRule),
      shadowRule: String(row.shadowRule),
    };
    const id = differenceRowKey("", key);
    const count = Number(row.count) || 0;
    const firstSeen = Number(row.firstSeen) || 0;
    const lastSeen = Number(row.lastSeen) || 0;
    const sum = sums.get(id);
    if (sum === undefined) sums.set(id, { ...key, count, firstSeen, lastSeen });
    else {
      sum.count += count;
      sum.firstSeen = Math.min(sum.firstSeen, firstSeen);
      sum.lastSeen = Math.max(sum.lastSeen, lastSeen);
    }
  }
  return [...sums.values()].sort((a, b) => b.count - a.count);
}
