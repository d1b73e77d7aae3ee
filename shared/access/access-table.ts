// The access trail in Table Storage (`<prefix>Access`). Each gateway instance owns its summary
// rows and replaces them whole, so instances never contend; a flush writes each partition it
// touches in one entity-group transaction (up to 100 rows), never one call per request.

import { odata, type TransactionAction } from "@azure/data-tables";
import { z } from "zod";
import { ensureTable, openEntityTable } from "../storage/entity-table.js";
import type { TableClientFactory } from "../storage/table-client.js";
import {
  type AccessRefusal,
  type AccessSummary,
  dayKey,
  partitionKey,
  refusalRowKey,
  summaryPrefix,
  summaryRowKey,
} from "./access-rows.js";

/** Table Storage takes at most 100 operations in one entity-group transaction. */
const BATCH_LIMIT = 100;

export interface AccessQuery {
  /** Days from this one on (ms since epoch; its UTC day is included). */
  sinceMs: number;
  tenantId?: string;
  callerId?: string;
  maxRows?: number;
}

export interface AccessRows {
  summaries: AccessSummary[];
  refusals: AccessRefusal[];
}

export interface AccessTable {
  /** Writes summaries and refusals, one transaction per partition (and per 100 rows). */
  write(rows: AccessRows): Promise<{ transactions: number }>;
  read(query: AccessQuery): Promise<AccessRows>;
  /** Deletes every row of days before `beforeMs`' day, at most `maxRows`; returns how many. */
  pruneBefore(beforeMs: number, maxRows?: number): Promise<number>;
}

export interface AccessTableOptions {
  tables: TableClientFactory;
  tablePrefix: string;
  storageTimeoutMs: number;
}

const kind = z.enum(["user", "app", "none"]);
const summarySchema = z.object({
  type: z.literal("summary"),
  minute: z.number(),
  tenantId: z.string().min(1),
  callerId: z.string().min(1),
  clientAppId: z.string(),
  kind,
  ruleId: z.string(),
  outcome: z.enum(["allow", "deny", "report_only_deny", "error", "abandoned"]),
  reason: z.string(),
  instanceId: z.string().min(1),
  count: z.number().int().nonnegative(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  refusalsDropped: z.number().int().nonnegative(),
});
const refusalSchema = z.object({
  type: z.literal("refusal"),
  at: z.number(),
  traceId: z.string(),
  tenantId: z.string().min(1),
  callerId: z.string().min(1),
  clientAppId: z.string(),
  kind,
  ruleId: z.string(),
  status: z.number().int(),
  reason: z.string(),
  instanceId: z.string().min(1),
});

const double = (value: number) => ({ value, type: "Double" as const });

const anyRow = z.discriminatedUnion("type", [summarySchema, refusalSchema]);
const keysOnly = z.object({ partitionKey: z.string(), rowKey: z.string() });

function summaryEntity(row: AccessSummary) {
  return {
    partitionKey: partitionKey(row.tenantId, row.minute),
    rowKey: summaryRowKey(row),
    type: "summary",
    ...row,
    minute: double(row.minute),
    count: double(row.count),
    firstSeen: double(row.firstSeen),
    lastSeen: double(row.lastSeen),
    refusalsDropped: double(row.refusalsDropped),
    day: dayKey(row.minute),
  };
}

function refusalEntity(row: AccessRefusal) {
  return {
    partitionKey: partitionKey(row.tenantId, row.at),
    rowKey: refusalRowKey(row),
    type: "refusal",
    ...row,
    at: double(row.at),
    status: double(row.status),
    day: dayKey(row.at),
  };
}

export function createAccessTable(options: AccessTableOptions): AccessTable {
  const table = openEntityTable(options, "access");

  // The table is made once per process before the first write (not tried, failed and retried per
  // batch), so each partition costs exactly one transaction per flush.
  let created: Promise<void> | undefined;
  async function submit(actions: TransactionAction[]): Promise<void> {
    created ??= ensureTable(table.client(), table.signal()).catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    await created;
    await table.client().submitTransaction(actions, { abortSignal: table.signal() });
  }

  async function submitByPartition(
    entities: ReadonlyArray<{ partitionKey: string; rowKey: string }>,
    action: (entity: { partitionKey: string; rowKey: string }) => TransactionAction,
  ): Promise<number> {
    const byPartition = new Map<string, TransactionAction[]>();
    for (const entity of entities) {
      const actions = byPartition.get(entity.partitionKey) ?? [];
      actions.push(action(entity));
      byPartition.set(entity.partitionKey, actions);
    }
    let transactions = 0;
    for (const actions of byPartition.values()) {
      for (let start = 0; start < actions.length; start += BATCH_LIMIT) {
        await submit(actions.slice(start, start + BATCH_LIMIT));
        transactions++;
      }
    }
    return transactions;
  }

  function filterFor(query: AccessQuery): string {
    const since = dayKey(query.sinceMs);
    if (query.tenantId === undefined) {
      return query.callerId === undefined
        ? odata`day ge ${since}`
        : odata`day ge ${since} and callerId eq ${query.callerId}`;
    }
    // Partitions `<tenant>_<day>` from the first day on: a PartitionKey range.
    const from = `${query.tenantId}_${since}`;
    const to = `${query.tenantId}_~`;
    if (query.callerId === undefined) return odata`PartitionKey ge ${from} and PartitionKey lt ${to}`;
    // Inside them, the caller's rows: RowKey ranges `s_<caller>_…` and `r_<caller>_…`.
    const s = summaryPrefix(query.callerId);
    const r = `r_${query.callerId}_`;
    return odata`PartitionKey ge ${from} and PartitionKey lt ${to} and ((RowKey ge ${s} and RowKey lt ${`${s}~`}) or (RowKey ge ${r} and RowKey lt ${`${r}~`}))`;
  }

  return {
    async write({ summaries, refusals }) {
      const entities = [...summaries.map(summaryEntity), ...refusals.map(refusalEntity)];
      const transactions = await submitByPartition(entities, (entity) => ["upsert", entity, "Replace"]);
      return { transactions };
    },

    async read(query) {
      const rows: AccessRows = { summaries: [], refusals: [] };
      // A row this code did not write (or an older shape) is not evidence: list() passes it over.
      for (const { type, ...row } of await table.list(anyRow, {
        filter: filterFor(query),
        max: query.maxRows ?? 200_000,
      })) {
        if (type === "summary") rows.summaries.push(row as AccessSummary);
        else rows.refusals.push(row as AccessRefusal);
      }
      return rows;
    },

    async pruneBefore(beforeMs, maxRows = 5_000) {
      const old = await table.list(keysOnly, {
        filter: odata`day lt ${dayKey(beforeMs)}`,
        select: ["PartitionKey", "RowKey"],
        max: maxRows,
      });
      await submitByPartition(old, (entity) => ["delete", entity]);
      return old.length;
    },
  };
}
