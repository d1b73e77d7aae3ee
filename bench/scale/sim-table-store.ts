// A simulated Table Storage account with the semantics tollgate relies on: point reads, inserts
// that fail 409 on an existing entity, updates guarded by ETag that fail 412 when another writer
// got there first, 404 for a missing entity or table, entity-group transactions in one partition,
// and the published throughput targets: past a partition's or the account's rate the service
// answers 503 "server busy". Every operation is counted, per table and per partition.

import type { LatencyModel } from "./latency-model.js";
import type { SimTime } from "./sim-time.js";

/** What the SDK's RestError carries that tollgate looks at. */
export class SimStorageError extends Error {
  override readonly name = "RestError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
  ) {
    super(`${statusCode} ${code}`);
  }
}

export interface StoredEntity {
  props: Record<string, unknown>;
  etag: string;
}

export interface ThroughputTargets {
  /** Entities per second one partition serves (the published target: 2,000 for 1 KiB entities). */
  partitionPerSecond: number;
  /** Transactions per second for the whole account (published: 20,000). */
  accountPerSecond: number;
}

export interface StoreFault {
  from: number;
  until: number;
  /** slow: latency times `factor`. refuse: every operation answers 503 at once. */
  kind: "slow" | "refuse";
  factor?: number;
}

/** One operation as the account saw it: when, on which table and partition, and how it ended. */
export interface OperationRecord {
  at: number;
  table: string;
  partition: string;
  /** The client call: getEntity, updateEntity, createEntity, … */
  op: string;
  status: number;
}

/** Counts per 100 ms bucket; the throughput check looks at the last ten (one second). */
class RateWindow {
  readonly #buckets = new Map<number, number>();
  count(now: number): number {
    const current = Math.floor(now / 100);
    let sum = 0;
    for (let b = current - 9; b <= current; b++) sum += this.#buckets.get(b) ?? 0;
    return sum;
  }
  add(now: number): void {
    const bucket = Math.floor(now / 100);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
    if (this.#buckets.size > 40) {
      for (const key of this.#buckets.keys()) if (key < bucket - 10) this.#buckets.delete(key);
    }
  }
}

export class SimTableStore {
  readonly #tables = new Map<string, Map<string, Map<string, StoredEntity>>>();
  readonly #partitionRates = new Map<string, RateWindow>();
  readonly #accountRate = new RateWindow();
  #etagSeq = 0;
  readonly faults: StoreFault[] = [];
  readonly log: OperationRecord[] = [];

  constructor(
    readonly time: SimTime,
    readonly latency: LatencyModel,
    readonly targets: ThroughputTargets,
  ) {}

  fault(now: number): StoreFault | undefined {
    return this.faults.find((f) => f.from <= now && now < f.until);
  }

  /**
   * Admits one operation against the throughput targets at the moment the service handles it, and
   * records it. Returns false when the service would answer 503.
   */
  admit(table: string, partition: string, op: string, entities = 1): boolean {
    const now = this.time.now();
    const id = `${table}\n${partition}`;
    let rate = this.#partitionRates.get(id);
    if (rate === undefined) {
      rate = new RateWindow();
      this.#partitionRates.set(id, rate);
    }
    const busy =
      this.fault(now)?.kind === "refuse" ||
      rate.count(now) + entities > this.targets.partitionPerSecond ||
      this.#accountRate.count(now) + 1 > this.targets.accountPerSecond;
    this.log.push({ at: now, table, partition, op, status: busy ? 503 : 200 });
    if (busy) return false;
    for (let i = 0; i < entities; i++) rate.add(now);
    this.#accountRate.add(now);
    return true;
  }

  /** Marks the last logged operation's outcome (404, 409, 412) once the service decided it. */
  outcome(status: number): void {
    const last = this.log[this.log.length - 1];
    if (last !== undefined) last.status = status;
  }

  table(name: string): Map<string, Map<string, StoredEntity>> | undefined {
    return this.#tables.get(name);
  }

  createTable(name: string): boolean {
    if (this.#tables.has(name)) return false;
    this.#tables.set(name, new Map());
    return true;
  }

  nextEtag(): string {
    this.#etagSeq++;
    return `W/"datetime'${new Date(this.time.now()).toISOString()}'-${this.#etagSeq}"`;
  }
}
