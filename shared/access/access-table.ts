// The access trail in Table Storage (`<prefix>Access`). Each gateway instance owns its summary
// rows and replaces them whole, so instances never contend; a flush writes each partition it
// touches in one entity-group transaction (up to 100 rows), never one call per request.

import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import { z } from "zod";
import { ensureTable, type TableClientFactory } from "../storage/table-client.js";
import { tableName } from "../storage/table-names.js";
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
/** Reads and prunes list whole ranges: more time than a point operation, still bounded. */
const LIST_TIMEOUT_FACTOR = 10;

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
  outcome: z.enum(["allow", "deny", "report_only_deny", "error"]),
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

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

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
  const name = tableName(options.tablePrefix, "access");
  let client: TableClient | undefined;
  const table = (): TableClient => {
    client ??= options.tables(name);
    return client;
  };
  const signal = () => AbortSignal.timeout(options.storageTimeoutMs);

  // The table is made once per process before the first write (not tried, failed and retried per
  // batch), so each partition costs exactly one transaction per flush.
  let created: Promise<void> | undefined;
  async function submit(actions: TransactionAction[]): Promise<void> {
    created ??= ensureTable(table(), signal()).catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    await created;
    await table().submitTransaction(actions, { abortSignal: signal() });
  }

  async function list(filter: string, maxRows: number, into: AccessRows): Promise<void> {
    const entities = table().listEntities<Record<string, unknown>>({
      queryOptions: { filter },
      abortSignal: AbortSignal.timeout(options.storageTimeoutMs * LIST_TIMEOUT_FACTOR),
    });
    for await (const entity of entities) {
      // A row this code did not write (or an older shape) is not evidence.
      const summary = summarySchema.safeParse(entity);
      if (summary.success) {
        const { type: _, ...row } = summary.data;
        into.summaries.push(row);
      } else {
        const refusal = refusalSchema.safeParse(entity);
        if (refusal.success) {
          const { type: _, ...row } = refusal.data;
          into.refusals.push(row);
        }
      }
      if (into.summaries.length + into.refusals.length >= maxRows) break;
    }
  }

  return {
    async write({ summaries, refusals }) {
      const byPartition = new Map<string, TransactionAction[]>();
      const add = (entity: { partitionKey: string; rowKey: string }) => {
        const actions = byPartition.get(entity.partitionKey) ?? [];
        actions.push(["upsert", entity, "Replace"]);
        byPartition.set(entity.partitionKey, actions);
      };
      for (const row of summaries) add(summaryEntity(row));
      for (const row of refusals) add(refusalEntity(row));
      let transactions = 0;
      for (const actions of byPartition.values()) {
        for (let start = 0; start < actions.length; start += BATCH_LIMIT) {
          await submit(actions.slice(start, start + BATCH_LIMIT));
          transactions++;
        }
      }
      return { transactions };
    },

    async read(query) {
      const rows: AccessRows = { summaries: [], refusals: [] };
      const maxRows = query.maxRows ?? 200_000;
      const since = dayKey(query.sinceMs);
      try {
        if (query.tenantId !== undefined) {
          // Partitions `<tenant>_<day>` from the first day on: a PartitionKey range.
          const from = `${query.tenantId}_${since}`;
          const to = `${query.tenantId}_~`;
          if (query.callerId !== undefined) {
            const s = summaryPrefix(query.callerId);
            const r = `r_${query.callerId}_`;
            await list(
              odata`PartitionKey ge ${from} and PartitionKey lt ${to} and ((RowKey ge ${s} and RowKey lt ${`${s}~`}) or (RowKey ge ${r} and RowKey lt ${`${r}~`}))`,
              maxRows,
              rows,
            );
          } else {
            await list(odata`PartitionKey ge ${from} and PartitionKey lt ${to}`, maxRows, rows);
          }
        } else if (query.callerId !== undefined) {
          await list(odata`day ge ${since} and callerId eq ${query.callerId}`, maxRows, rows);
        } else {
          await list(odata`day ge ${since}`, maxRows, rows);
        }
      } catch (error) {
        if (statusOf(error) === 404) return rows;
        throw error;
      }
      return rows;
    },

    async pruneBefore(beforeMs, maxRows = 5_000) {
      let deleted = 0;
      try {
        const entities = table().listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`day lt ${dayKey(beforeMs)}`, select: ["PartitionKey", "RowKey"] },
          abortSignal: AbortSignal.timeout(options.storageTimeoutMs * LIST_TIMEOUT_FACTOR),
        });
        const byPartition = new Map<string, TransactionAction[]>();
        for await (const entity of entities) {
          if (entity.partitionKey === undefined || entity.rowKey === undefined) continue;
          const actions = byPartition.get(entity.partitionKey) ?? [];
          actions.push(["delete", { partitionKey: entity.partitionKey, rowKey: entity.rowKey }]);
          byPartition.set(entity.partitionKey, actions);
          if (++deleted >= maxRows) break;
        }
        for (const actions of byPartition.values()) {
          for (let start = 0; start < actions.length; start += BATCH_LIMIT) {
            await table().submitTransaction(actions.slice(start, start + BATCH_LIMIT), {
              abortSignal: signal(),
            });
          }
        }
      } catch (error) {
        if (statusOf(error) === 404) return deleted;
        throw error;
      }
      return deleted;
    },
  };
}
