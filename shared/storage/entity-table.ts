// Table Storage entities as every tollgate table reads and writes them: the status of a failed
// call, a client opened on first use, each call bounded by the storage timeout, point reads where
// "not there" is undefined rather than an error, entities checked against their schema on the way
// in (the table is outside this process's control), and writes that create a missing table.

import type { TableClient, TableEntity } from "@azure/data-tables";
import type { z } from "zod";
import type { TableClientFactory } from "./table-client.js";
import { type TableKind, tableName } from "./table-names.js";

/** The HTTP status of a failed Table Storage call, when the failure has one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * Creates the table if it is missing; a table that exists already is fine. So is a 403: infra
 * grants table data roles table by table, and a principal granted on a table the deployment made
 * need not be allowed to create tables. The call that follows says whether the table is there
 * (404) or the principal may not use it (403).
 */
export async function ensureTable(client: TableClient, signal?: AbortSignal): Promise<void> {
  try {
    await client.createTable({ abortSignal: signal });
  } catch (error) {
    const status = statusOf(error);
    if (status !== 409 && status !== 403) throw error;
  }
}

/**
 * One entity by its keys, or undefined when there is none. 404 covers a missing entity and a
 * missing table alike: either way nothing was written there yet. Other failures throw.
 */
export async function readEntity(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
  signal: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await client.getEntity<Record<string, unknown>>(partitionKey, rowKey, { abortSignal: signal });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** A stored entity checked against its schema; `fields` names what did not fit, for a message. */
export type ParsedEntity<T> = { ok: true; value: T } | { ok: false; fields: string };

export function parseEntity<T>(schema: z.ZodType<T>, entity: unknown): ParsedEntity<T> {
  const parsed = schema.safeParse(entity);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    fields: parsed.error.issues.map((issue) => issue.path.join(".") || "entity").join(", "),
  };
}

export interface EntityTableOptions {
  tables: TableClientFactory;
  tablePrefix: string;
  storageTimeoutMs: number;
}

export interface ListOptions {
  /** An OData filter, built with the `odata` template tag, never by concatenation. */
  filter?: string;
  select?: string[];
  /** Stop after this many entities that fit the schema. */
  max?: number;
}

/** One of tollgate's tables (keys, lifetimes, findings, ...) for a deployment's table prefix. */
export interface EntityTable {
  readonly name: string;
  client(): TableClient;
  /** The signal for one point call: the storage timeout. */
  signal(): AbortSignal;
  read(partitionKey: string, rowKey: string): Promise<Record<string, unknown> | undefined>;
  /** Replaces the entity whole; on a fresh account, creates the table first and tries once more. */
  replace(entity: TableEntity<object>): Promise<void>;
  /**
   * The entities that fit `schema` (others are not this code's and are passed over); none when
   * the table is missing. Bounded by LIST_TIMEOUT_FACTOR storage timeouts in all.
   */
  list<T>(schema: z.ZodType<T>, options?: ListOptions): Promise<T[]>;
}

/** Reading a range takes more time than a point operation; it is still bounded. */
export const LIST_TIMEOUT_FACTOR = 10;

export function openEntityTable(options: EntityTableOptions, kind: TableKind): EntityTable {
  const name = tableName(options.tablePrefix, kind);
  let opened: TableClient | undefined;
  const client = (): TableClient => {
    opened ??= options.tables(name);
    return opened;
  };
  const signal = () => AbortSignal.timeout(options.storageTimeoutMs);

  return {
    name,
    client,
    signal,
    read: (partitionKey, rowKey) => readEntity(client(), partitionKey, rowKey, signal()),
    async replace(entity) {
      try {
        await client().upsertEntity(entity, "Replace", { abortSignal: signal() });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        await ensureTable(client(), signal());
        await client().upsertEntity(entity, "Replace", { abortSignal: signal() });
      }
    },
    async list<T>(schema: z.ZodType<T>, list: ListOptions = {}) {
      const found: T[] = [];
      const queryOptions = {
        ...(list.filter !== undefined ? { filter: list.filter } : {}),
        ...(list.select !== undefined ? { select: list.select } : {}),
      };
      try {
        const entities = client().listEntities<Record<string, unknown>>({
          queryOptions,
          abortSignal: AbortSignal.timeout(options.storageTimeoutMs * LIST_TIMEOUT_FACTOR),
        });
        for await (const entity of entities) {
          const parsed = schema.safeParse(entity);
          if (parsed.success) found.push(parsed.data);
          if (list.max !== undefined && found.length >= list.max) break;
        }
      } catch (error) {
        if (statusOf(error) === 404) return [];
        throw error;
      }
      return found;
    },
  };
}
