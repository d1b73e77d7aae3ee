// The TableClient-shaped door to the simulated account, one per instance and table: the calls
// tollgate's tables make (createTable, getEntity, createEntity, updateEntity, upsertEntity,
// deleteEntity, submitTransaction), each taking a sampled round trip in simulated time, applied
// at the service halfway through, and honouring the caller's abort signal. Like the real client
// built by shared/storage/table-client.ts (maxRetries 1, 100 ms), it retries a 503 once.

import type { TableClient } from "@azure/data-tables";
import type { TableClientFactory } from "../../shared/storage/table-client.js";
import type { OperationKind } from "./latency-model.js";
import { SimStorageError, type SimTableStore, type StoredEntity } from "./sim-table-store.js";

type Entity = { partitionKey?: string; rowKey?: string } & Record<string, unknown>;
interface CallOptions {
  abortSignal?: AbortSignal;
  etag?: string;
}
type Action = [string, Entity, string?];

const SDK_MAX_RETRIES = 1;
const SDK_RETRY_DELAY_MS = 100;

function abortError(): Error {
  const error = new Error("The operation was aborted.");
  error.name = "AbortError";
  return error;
}

/** Typed values ({ value, type: "Double" }) are stored as their value, as the service returns them. */
function plain(entity: Entity): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (name === "partitionKey" || name === "rowKey" || name === "etag") continue;
    props[name] =
      typeof value === "object" && value !== null && "value" in value && "type" in value
        ? (value as { value: unknown }).value
        : value;
  }
  return props;
}

export class SimTableClient {
  constructor(
    readonly store: SimTableStore,
    readonly tableName: string,
  ) {}

  /** tollgate's tables take a TableClient; this is the part of one they use. */
  asTableClient(): TableClient {
    return this as unknown as TableClient;
  }

  createTable(options: CallOptions = {}): Promise<void> {
    return this.#call("createTable", "write", "", 1, options, () => {
      if (!this.store.createTable(this.tableName)) throw new SimStorageError(409, "TableAlreadyExists");
    });
  }

  getEntity(partitionKey: string, rowKey: string, options: CallOptions = {}): Promise<Entity> {
    return this.#call("getEntity", "read", partitionKey, 1, options, () => {
      const stored = this.#find(partitionKey, rowKey);
      if (stored === undefined) throw new SimStorageError(404, "ResourceNotFound");
      return { ...stored.props, partitionKey, rowKey, etag: stored.etag };
    });
  }

  createEntity(entity: Entity, options: CallOptions = {}): Promise<{ etag: string }> {
    return this.#call("createEntity", "write", entity.partitionKey ?? "", 1, options, () =>
      this.#apply(["create", entity]),
    );
  }

  updateEntity(entity: Entity, mode = "Merge", options: CallOptions = {}): Promise<{ etag: string }> {
    return this.#call("updateEntity", "write", entity.partitionKey ?? "", 1, options, () =>
      this.#apply(["update", entity, mode], options.etag),
    );
  }

  upsertEntity(entity: Entity, mode = "Merge", options: CallOptions = {}): Promise<{ etag: string }> {
    return this.#call("upsertEntity", "write", entity.partitionKey ?? "", 1, options, () =>
      this.#apply(["upsert", entity, mode]),
    );
  }

  deleteEntity(partitionKey: string, rowKey: string, options: CallOptions = {}): Promise<void> {
    return this.#call("deleteEntity", "write", partitionKey, 1, options, () => {
      this.#apply(["delete", { partitionKey, rowKey }], options.etag);
    });
  }

  /** One partition, all or nothing, as the service does an entity-group transaction. */
  submitTransaction(actions: Action[], options: CallOptions = {}): Promise<void> {
    const partition = actions[0]?.[1].partitionKey ?? "";
    return this.#call("submitTransaction", "write", partition, actions.length, options, () => {
      const table = this.#table();
      const before = new Map(table.get(partition) ?? []);
      try {
        for (const action of actions) this.#apply(action);
      } catch (error) {
        table.set(partition, before);
        throw error;
      }
    });
  }

  listEntities(): never {
    throw new Error("range queries are not modelled: only the timer function lists, never an instance");
  }

  #table(): Map<string, Map<string, StoredEntity>> {
    const table = this.store.table(this.tableName);
    if (table === undefined) throw new SimStorageError(404, "TableNotFound");
    return table;
  }

  #find(partitionKey: string, rowKey: string): StoredEntity | undefined {
    return this.#table().get(partitionKey)?.get(rowKey);
  }

  #apply([kind, entity, mode]: Action, etag?: string): { etag: string } {
    const pk = entity.partitionKey ?? "";
    const rk = entity.rowKey ?? "";
    const table = this.#table();
    let partition = table.get(pk);
    const existing = partition?.get(rk);
    if (kind === "delete") {
      if (existing === undefined) throw new SimStorageError(404, "ResourceNotFound");
      if (etag !== undefined && etag !== "*" && etag !== existing.etag)
        throw new SimStorageError(412, "UpdateConditionNotSatisfied");
      partition?.delete(rk);
      return { etag: existing.etag };
    }
    if (kind === "create" && existing !== undefined) throw new SimStorageError(409, "EntityAlreadyExists");
    if (kind === "update") {
      if (existing === undefined) throw new SimStorageError(404, "ResourceNotFound");
      if (etag !== undefined && etag !== "*" && etag !== existing.etag)
        throw new SimStorageError(412, "UpdateConditionNotSatisfied");
    }
    const props = mode === "Merge" && existing ? { ...existing.props, ...plain(entity) } : plain(entity);
    const stored = { props, etag: this.store.nextEtag() };
    if (partition === undefined) {
      partition = new Map();
      table.set(pk, partition);
    }
    partition.set(rk, stored);
    return { etag: stored.etag };
  }

  async #call<T>(
    op: string,
    kind: OperationKind,
    partition: string,
    entities: number,
    options: CallOptions,
    apply: () => T,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(op, kind, partition, entities, options.abortSignal, apply);
      } catch (error) {
        const busy = error instanceof SimStorageError && error.statusCode === 503;
        if (!busy || attempt >= SDK_MAX_RETRIES || options.abortSignal?.aborted) throw error;
        const delay = SDK_RETRY_DELAY_MS * 2 ** attempt * (0.8 + 0.4 * this.store.time.random());
        await this.store.time.sleep(delay);
      }
    }
  }

  #once<T>(
    op: string,
    kind: OperationKind,
    partition: string,
    entities: number,
    signal: AbortSignal | undefined,
    apply: () => T,
  ): Promise<T> {
    const { store } = this;
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const fault = store.fault(store.time.now());
      const roundTrip = store.latency.sample(kind) * (fault?.kind === "slow" ? (fault.factor ?? 10) : 1);
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(abortError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const answer = (finish: () => void) =>
        store.time.after(roundTrip / 2, () => {
          signal?.removeEventListener("abort", onAbort);
          if (settled) return;
          settled = true;
          finish();
        });
      // The service handles the request halfway through the round trip: a write that times out
      // on the caller's side may still have happened, as in the real service.
      store.time.after(roundTrip / 2, () => {
        if (!store.admit(this.tableName, partition, op, entities)) {
          answer(() => reject(new SimStorageError(503, "ServerBusy")));
          return;
        }
        try {
          const result = apply();
          answer(() => resolve(result));
        } catch (error) {
          if (error instanceof SimStorageError) store.outcome(error.statusCode);
          answer(() => reject(error));
        }
      });
    });
  }
}

/** A TableClientFactory over the simulated account: what createTollgate and the tables take. */
export function simTables(store: SimTableStore): TableClientFactory {
  return (tableName: string) => new SimTableClient(store, tableName).asTableClient();
}
