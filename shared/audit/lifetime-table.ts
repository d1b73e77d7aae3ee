// Observed token lifetimes in Table Storage: one row per hour, tenant, client app, CAE capability
// and gateway instance. Each instance owns its rows and replaces them whole, so instances never
// contend and a row needs no read before its write.

import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import { ensureTable, type TableClientFactory } from "../storage/table-client.js";
import { tableName } from "../storage/table-names.js";

export const WINDOW_MS = 3_600_000;

export interface LifetimeAggregate {
  /** Start of the UTC hour the observations fall in (ms since epoch). */
  windowStart: number;
  tenantId: string;
  clientAppId: string;
  caeCapable: boolean;
  /** The gateway instance that saw them. */
  instanceId: string;
  count: number;
  minSeconds: number;
  maxSeconds: number;
  sumSeconds: number;
  /** ms since epoch. */
  firstSeen: number;
  lastSeen: number;
  /** How many of the tokens had a groups overage (too many groups to list); absent in older rows. */
  overageCount?: number;
}

export interface LifetimeTable {
  /** Replaces each aggregate's row; creates the table when it is missing. One call per row. */
  write(rows: readonly LifetimeAggregate[]): Promise<void>;
  /** Every row of the hours from `fromMs` on (at most `maxRows`); none when the table is missing. */
  readSince(fromMs: number, maxRows?: number): Promise<LifetimeAggregate[]>;
  /** Deletes rows of hours before `beforeMs`, at most `maxRows` of them; returns how many. */
  pruneBefore(beforeMs: number, maxRows?: number): Promise<number>;
}

export interface LifetimeTableOptions {
  tables: TableClientFactory;
  tablePrefix: string;
  storageTimeoutMs: number;
}

/** `YYYYMMDDHH` in UTC: sorts as the hours do, so a range of hours is a range of PartitionKeys. */
export function windowKey(ms: number): string {
  return new Date(Math.floor(ms / WINDOW_MS) * WINDOW_MS).toISOString().slice(0, 13).replace(/[-T]/g, "");
}

export function windowStart(ms: number): number {
  return Math.floor(ms / WINDOW_MS) * WINDOW_MS;
}

export function aggregateRowKey(
  row: Pick<LifetimeAggregate, "tenantId" | "clientAppId" | "caeCapable" | "instanceId">,
): string {
  return `${row.tenantId}_${row.clientAppId}_${row.caeCapable ? "cae" : "std"}_${row.instanceId}`;
}

const rowSchema = z.object({
  windowStart: z.number(),
  tenantId: z.string().min(1),
  clientAppId: z.string().min(1),
  caeCapable: z.boolean(),
  instanceId: z.string().min(1),
  count: z.number().nonnegative(),
  minSeconds: z.number(),
  maxSeconds: z.number(),
  sumSeconds: z.number(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  overageCount: z.number().nonnegative().optional(),
});

const double = (value: number) => ({ value, type: "Double" as const });

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

// The timer reads and prunes whole ranges: more time than a point operation, still bounded.
const LIST_TIMEOUT_FACTOR = 10;

export function createLifetimeTable(options: LifetimeTableOptions): LifetimeTable {
  const name = tableName(options.tablePrefix, "lifetimes");
  let client: TableClient | undefined;
  const table = (): TableClient => {
    client ??= options.tables(name);
    return client;
  };
  const signal = () => AbortSignal.timeout(options.storageTimeoutMs);

  async function upsert(row: LifetimeAggregate): Promise<void> {
    const entity = {
      partitionKey: windowKey(row.windowStart),
      rowKey: aggregateRowKey(row),
      windowStart: double(row.windowStart),
      tenantId: row.tenantId,
      clientAppId: row.clientAppId,
      caeCapable: row.caeCapable,
      instanceId: row.instanceId,
      count: double(row.count),
      minSeconds: double(row.minSeconds),
      maxSeconds: double(row.maxSeconds),
      sumSeconds: double(row.sumSeconds),
      firstSeen: double(row.firstSeen),
      lastSeen: double(row.lastSeen),
      ...(row.overageCount ? { overageCount: double(row.overageCount) } : {}),
    };
    try {
      await table().upsertEntity(entity, "Replace", { abortSignal: signal() });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await ensureTable(table(), signal());
      await table().upsertEntity(entity, "Replace", { abortSignal: signal() });
    }
  }

  return {
    async write(rows) {
      for (const row of rows) await upsert(row);
    },

    async readSince(fromMs, maxRows = 50_000) {
      const rows: LifetimeAggregate[] = [];
      try {
        const entities = table().listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`PartitionKey ge ${windowKey(fromMs)}` },
          abortSignal: AbortSignal.timeout(options.storageTimeoutMs * LIST_TIMEOUT_FACTOR),
        });
        for await (const entity of entities) {
          const parsed = rowSchema.safeParse(entity);
          // A row this code did not write (or an older shape) is not evidence.
          if (parsed.success) rows.push(parsed.data);
          if (rows.length >= maxRows) break;
        }
      } catch (error) {
        if (statusOf(error) === 404) return [];
        throw error;
      }
      return rows;
    },

    async pruneBefore(beforeMs, maxRows = 1_000) {
      let deleted = 0;
      try {
        const entities = table().listEntities<Record<string, unknown>>({
          queryOptions: {
            filter: odata`PartitionKey lt ${windowKey(beforeMs)}`,
            select: ["PartitionKey", "RowKey"],
          },
          abortSignal: AbortSignal.timeout(options.storageTimeoutMs * LIST_TIMEOUT_FACTOR),
        });
        for await (const entity of entities) {
          if (entity.partitionKey === undefined || entity.rowKey === undefined) continue;
          await table()
            .deleteEntity(entity.partitionKey, entity.rowKey, { abortSignal: signal() })
            .catch((error: unknown) => {
              if (statusOf(error) !== 404) throw error;
            });
          if (++deleted >= maxRows) break;
        }
      } catch (error) {
        if (statusOf(error) === 404) return deleted;
        throw error;
      }
      return deleted;
    },
  };
}
