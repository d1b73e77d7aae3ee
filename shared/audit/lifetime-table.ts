// Observed token lifetimes in Table Storage: one row per hour, tenant, client app, CAE capability
// and gateway instance. Each instance owns its rows and replaces them whole, so instances never
// contend and a row needs no read before its write.

import { odata } from "@azure/data-tables";
import { z } from "zod";
import { type EntityTableOptions, openEntityTable, statusOf } from "../storage/entity-table.js";

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

export type LifetimeTableOptions = EntityTableOptions;

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

const keysSchema = z.object({ partitionKey: z.string(), rowKey: z.string() });

export function createLifetimeTable(options: LifetimeTableOptions): LifetimeTable {
  const table = openEntityTable(options, "lifetimes");

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
    await table.replace(entity);
  }

  return {
    async write(rows) {
      for (const row of rows) await upsert(row);
    },

    // A row this code did not write (or an older shape) does not fit rowSchema: it is not evidence.
    readSince: (fromMs, maxRows = 50_000) =>
      table.list(rowSchema, { filter: odata`PartitionKey ge ${windowKey(fromMs)}`, max: maxRows }),

    async pruneBefore(beforeMs, maxRows = 1_000) {
      const old = await table.list(keysSchema, {
        filter: odata`PartitionKey lt ${windowKey(beforeMs)}`,
        select: ["PartitionKey", "RowKey"],
        max: maxRows,
      });
      for (const { partitionKey, rowKey } of old) {
        await table
          .client()
          .deleteEntity(partitionKey, rowKey, { abortSignal: table.signal() })
          .catch((error: unknown) => {
            if (statusOf(error) !== 404) throw error;
          });
      }
      return old.length;
    },
  };
}
