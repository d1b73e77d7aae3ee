// The gateway's side of the observed-lifetime audit: every verified token's lifetime is folded
// into an in-memory aggregate per hour, tenant, client app and CAE capability, and the aggregates
// are written at most once a minute per instance, never once per request.

import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import { FlushSchedule } from "../flush-schedule.js";
import type { Principal } from "../token/principal.js";
import {
  aggregateRowKey,
  type LifetimeAggregate,
  type LifetimeTable,
  windowStart,
} from "./lifetime-table.js";

export type LifetimeAggregatorEvent =
  | { type: "lifetimes_flushed"; rows: number }
  | { type: "lifetimes_flush_failed"; rows: number; error: string }
  /** More distinct client apps in an hour than the aggregator keeps; their tokens were not counted. */
  | { type: "lifetimes_dropped"; observations: number };

export interface LifetimeAggregatorOptions {
  table: Pick<LifetimeTable, "write">;
  clock: Clock;
  /** Names this instance's rows; a fresh one per process by default. */
  instanceId?: string;
  /** Default 60 000: at most one flush a minute. */
  flushIntervalMs?: number;
  /** Aggregates held at most (one per hour, tenant, client app, CAE); default 1000. */
  maxAggregates?: number;
  onEvent?: (event: LifetimeAggregatorEvent) => void;
}

export type ObservedToken = Pick<
  Principal,
  "tenantId" | "clientAppId" | "issuedAt" | "expiresAt" | "caeCapable"
> &
  Partial<Pick<Principal, "groupsOverage">>;

export class LifetimeAggregator {
  readonly #table: Pick<LifetimeTable, "write">;
  readonly #clock: Clock;
  readonly #instanceId: string;
  readonly #maxAggregates: number;
  readonly #onEvent: ((event: LifetimeAggregatorEvent) => void) | undefined;
  readonly #aggregates = new Map<string, LifetimeAggregate>();
  /** Keys of aggregates changed since they were last written. */
  readonly #dirty = new Set<string>();
  readonly #flushes: FlushSchedule;
  #dropped = 0;
  /**
   * Each verified token's row key, made once: the token cache hands out one principal object per
   * token, and the entry lives exactly as long as it. The aggregate's key (hour and row key) is
   * made again only when the hour turns.
   */
  readonly #rowKeys = new WeakMap<ObservedToken, { rowKey: string; start: number; key: string }>();

  constructor(options: LifetimeAggregatorOptions) {
    this.#table = options.table;
    this.#clock = options.clock;
    this.#instanceId = options.instanceId ?? randomUUID();
    this.#maxAggregates = options.maxAggregates ?? 1_000;
    this.#onEvent = options.onEvent;
    this.#flushes = new FlushSchedule(() => this.#flush(), options.clock, options.flushIntervalMs ?? 60_000);
  }

  /** Counts one verified token. Cheap and synchronous; may start a flush nobody waits for. */
  observe(token: ObservedToken): void {
    const now = this.#clock.now();
    const lifetime = token.expiresAt - token.issuedAt;
    const start = windowStart(now);
    let keys = this.#rowKeys.get(token);
    if (keys === undefined) {
      const rowKey = aggregateRowKey({ ...token, instanceId: this.#instanceId });
      keys = { rowKey, start, key: `${start}/${rowKey}` };
      this.#rowKeys.set(token, keys);
    } else if (keys.start !== start) {
      keys.start = start;
      keys.key = `${start}/${keys.rowKey}`;
    }
    // The same string object every request within the hour: its hash is computed once.
    const key = keys.key;
    const aggregate = this.#aggregates.get(key);
    if (aggregate === undefined && this.#aggregates.size >= this.#maxAggregates) {
      // Memory stays bounded whoever calls; the loss is reported at the next flush.
      this.#dropped++;
      return;
    }
    if (aggregate !== undefined) {
      aggregate.count++;
      aggregate.minSeconds = Math.min(aggregate.minSeconds, lifetime);
      aggregate.maxSeconds = Math.max(aggregate.maxSeconds, lifetime);
      aggregate.sumSeconds += lifetime;
      aggregate.lastSeen = now;
      if (token.groupsOverage) aggregate.overageCount = (aggregate.overageCount ?? 0) + 1;
    } else {
      this.#aggregates.set(key, {
        windowStart: start,
        tenantId: token.tenantId,
        clientAppId: token.clientAppId,
        caeCapable: token.caeCapable,
        instanceId: this.#instanceId,
        count: 1,
        minSeconds: lifetime,
        maxSeconds: lifetime,
        sumSeconds: lifetime,
        firstSeen: now,
        lastSeen: now,
        ...(token.groupsOverage ? { overageCount: 1 } : {}),
      });
    }
    this.#dirty.add(key);
    this.#flushes.due(now);
  }

  /** Writes what is pending now, whatever the interval (at shutdown); resolves when written. */
  flush(): Promise<void> {
    return this.#flushes.now();
  }

  /** Resolves once no flush is under way (tests). */
  idle(): Promise<void> {
    return this.#flushes.idle();
  }

  /** Never rejects: a failed write leaves the aggregates pending for the next flush. */
  async #flush(): Promise<void> {
    const now = this.#clock.now();
    if (this.#dropped > 0) {
      this.#emit({ type: "lifetimes_dropped", observations: this.#dropped });
      this.#dropped = 0;
    }
    const keys = [...this.#dirty];
    if (keys.length === 0) return;
    this.#dirty.clear();
    // Copies: observations that arrive during the write belong to the next one.
    const rows = keys.flatMap((key) => {
      const aggregate = this.#aggregates.get(key);
      return aggregate ? [{ ...aggregate }] : [];
    });
    try {
      await this.#table.write(rows);
      this.#emit({ type: "lifetimes_flushed", rows: rows.length });
    } catch (error) {
      for (const key of keys) this.#dirty.add(key);
      this.#emit({
        type: "lifetimes_flush_failed",
        rows: rows.length,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    // Past hours are complete once written; only the current hour still grows.
    const current = windowStart(now);
    for (const [key, aggregate] of this.#aggregates) {
      if (aggregate.windowStart < current && !this.#dirty.has(key)) this.#aggregates.delete(key);
    }
  }

  #emit(event: LifetimeAggregatorEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // Telemetry must not disturb the gateway.
    }
  }
}
