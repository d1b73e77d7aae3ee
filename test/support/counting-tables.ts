// A TableClientFactory whose clients count the storage calls they make, per table and method, so
// a test counts real writes to Azurite instead of estimating them. The calls themselves go
// through unchanged.

import type { TableClient } from "@azure/data-tables";
import type { TableClientFactory } from "../../shared/storage/table-client.js";

/** The TableClient methods that change storage, each one HTTP request. */
export const WRITE_METHODS = new Set([
  "createEntity",
  "upsertEntity",
  "updateEntity",
  "deleteEntity",
  "submitTransaction",
  "createTable",
  "deleteTable",
]);

export interface CountingTables {
  tables: TableClientFactory;
  /** Write calls made to this table (by name) since start or reset. */
  writes(table: string): number;
  /** Calls of one method (or all) made to this table. */
  calls(table: string, method?: string): number;
  reset(): void;
}

export function countingTables(inner: TableClientFactory): CountingTables {
  const counts = new Map<string, Map<string, number>>();
  const count = (table: string, method: string) => {
    const perTable = counts.get(table) ?? new Map<string, number>();
    perTable.set(method, (perTable.get(method) ?? 0) + 1);
    counts.set(table, perTable);
  };
  const tables: TableClientFactory = (name) => {
    const client = inner(name);
    return new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || typeof property !== "string") return value;
        return (...args: unknown[]) => {
          count(name, property);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as TableClient;
  };
  return {
    tables,
    writes: (table) =>
      [...(counts.get(table) ?? new Map<string, number>())]
        .filter(([method]) => WRITE_METHODS.has(method))
        .reduce((sum, [, n]) => sum + n, 0),
    calls: (table, method) => {
      const perTable = counts.get(table) ?? new Map<string, number>();
      return method === undefined
        ? [...perTable.values()].reduce((a, b) => a + b, 0)
        : (perTable.get(method) ?? 0);
    },
    reset: () => counts.clear(),
  };
}
