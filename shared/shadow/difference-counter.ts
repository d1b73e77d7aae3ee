// Differences between the live and the shadow decision, counted in memory per candidate version
// and kind of difference, and written at most once a minute per instance (never per request).

import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import type { Clock } from "../clock.js";
import { FlushSchedule } from "../flush-schedule.js";
import {
  type DifferenceCount,
  type DifferenceKey,
  differenceRowKey,
  writeDifferenceCounts,
} from "./shadow-table.js";

export type DifferenceCounterEvent =
  | { type: "shadow_counts_flushed"; rows: number }
  | { type: "shadow_counts_flush_failed"; rows: number; error: string };

export interface DifferenceCounterOptions {
  client: TableClient;
  clock: Clock;
  storageTimeoutMs: number;
  instanceId?: string;
  /** Default 60 000: at most one write a minute. */
  flushIntervalMs?: number;
  /** Kinds of difference kept per version; more are dropped (memory stays bounded). */
  maxKinds?: number;
  onEvent?: (event: DifferenceCounterEvent) => void;
}

interface Tally extends DifferenceCount {
  versionId: string;
}

export class DifferenceCounter {
  readonly #options: DifferenceCounterOptions;
  readonly #instanceId: string;
  readonly #tallies = new Map<string, Tally>();
  readonly #dirty = new Set<string>();
  readonly #flushes: FlushSchedule;

  constructor(options: DifferenceCounterOptions) {
    this.#options = options;
    this.#instanceId = options.instanceId ?? randomUUID();
    this.#flushes = new FlushSchedule(() => this.#flush(), options.clock, options.flushIntervalMs ?? 60_000);
  }

  /** Counts one difference. Synchronous; may start a write nobody waits for. */
  count(versionId: string, key: DifferenceKey): void {
    const now = this.#options.clock.now();
    const id = `${versionId}/${differenceRowKey(this.#instanceId, key)}`;
    const tally = this.#tallies.get(id);
    if (tally !== undefined) {
      tally.count++;
      tally.lastSeen = now;
    } else {
      if (this.#tallies.size >= (this.#options.maxKinds ?? 1000)) return;
      this.#tallies.set(id, { versionId, ...key, count: 1, firstSeen: now, lastSeen: now });
    }
    this.#dirty.add(id);
    this.#flushes.due(now);
  }

  /** Writes what is pending now, whatever the interval (at shutdown). */
  flush(): Promise<void> {
    return this.#flushes.now();
  }

  /** Never rejects: a failed write leaves the counts pending for the next one. */
  async #flush(): Promise<void> {
    const ids = [...this.#dirty];
    if (ids.length === 0) return;
    this.#dirty.clear();
    // Cumulative counts, copied: each write replaces this instance's rows with the totals.
    const byVersion = new Map<string, DifferenceCount[]>();
    for (const id of ids) {
      const tally = this.#tallies.get(id);
      if (tally === undefined) continue;
      const { versionId, ...row } = tally;
      byVersion.set(versionId, [...(byVersion.get(versionId) ?? []), row]);
    }
    try {
      for (const [versionId, rows] of byVersion) {
        await writeDifferenceCounts(
          this.#options.client,
          versionId,
          this.#instanceId,
          rows,
          AbortSignal.timeout(this.#options.storageTimeoutMs),
        );
      }
      this.#emit({ type: "shadow_counts_flushed", rows: ids.length });
    } catch (error) {
      for (const id of ids) this.#dirty.add(id);
      this.#emit({
        type: "shadow_counts_flush_failed",
        rows: ids.length,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #emit(event: DifferenceCounterEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // Reporting never disturbs counting.
    }
  }
}
