// The gateway's side of the access trail: every decision is counted in memory per minute and
// (tenant, caller, client app, kind, rule, outcome, reason), every refusal kept one by one up to
// a bound per caller and minute, and both are written at most once a minute per instance —
// never once per request. Counts are exact: a crash loses at most what was not yet flushed.

import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import { EVENTS, EVENT_FIELDS as F } from "../telemetry/names.js";
import type { TelemetryEvents } from "../telemetry/telemetry.js";
import type { Principal } from "../token/principal.js";
import {
  type AccessOutcome,
  type AccessRefusal,
  type AccessSummary,
  ANONYMOUS,
  MINUTE_MS,
  minuteOf,
  NO_TENANT,
} from "./access-rows.js";
import type { AccessTable } from "./access-table.js";
import type { CallerIdFn } from "./caller-id.js";

/** What the recorder needs of a decision (the gateway's DecisionRecord has it all). */
export interface AccessDecision {
  traceId: string;
  outcome: AccessOutcome;
  reason?: string;
  ruleId?: string;
  status: number;
  principal?: Pick<Principal, "tenantId" | "objectId" | "clientAppId" | "kind">;
}

export type AccessRecorderEvent =
  | { type: "access_flushed"; summaries: number; refusals: number; transactions: number }
  | { type: "access_flush_failed"; summaries: number; refusals: number; error: string }
  /** More distinct summaries in memory than the bound: these decisions were not counted. */
  | { type: "access_dropped"; decisions: number };

export interface AccessRecorderOptions {
  table: Pick<AccessTable, "write">;
  clock: Clock;
  callerId: CallerIdFn;
  /** Refusals written one by one per caller and minute; beyond it they are only counted. */
  refusalsPerCallerMinute: number;
  telemetry?: TelemetryEvents;
  /**
   * Whether telemetry events may name the caller: only when the id is a pseudonym or the operator
   * opted in to object ids in telemetry. The table (the customer's own storage) always has it.
   */
  telemetryNamesCaller?: boolean;
  instanceId?: string;
  /** Default 60 000: at most one flush a minute. */
  flushIntervalMs?: number;
  /** Summaries (and buffered refusals) held at most; default 10 000. */
  maxRows?: number;
  onEvent?: (event: AccessRecorderEvent) => void;
}

type Caller = NonNullable<AccessDecision["principal"]>;

const ANONYMOUS_CALLER: CallerFields = {
  tenantId: NO_TENANT,
  callerId: ANONYMOUS,
  clientAppId: "",
  kind: "none",
  key: `${NO_TENANT}\u0000${ANONYMOUS}\u0000\u0000none`,
};

/** Who a decision counts for, worked out once per verified token (see #callerOf). */
interface CallerFields {
  tenantId: string;
  callerId: string;
  clientAppId: string;
  kind: AccessSummary["kind"];
  /** The four joined, the caller's part of a summary's key. */
  key: string;
}

interface Entry {
  row: AccessSummary;
  /** How much of `row.count` telemetry has already been told (events are deltas, so KQL sums). */
  reported: number;
}

export class AccessRecorder {
  readonly #o: Required<Omit<AccessRecorderOptions, "telemetry" | "onEvent">> &
    Pick<AccessRecorderOptions, "telemetry" | "onEvent">;
  readonly #entries = new Map<string, Entry>();
  readonly #dirty = new Set<string>();
  /** Refusals this minute per caller, for the bound; reset when the minute turns. */
  readonly #refusalsThisMinute = new Map<string, number>();
  #refusalMinute = 0;
  #refusals: AccessRefusal[] = [];
  #lastFlushAt: number;
  #flushing: Promise<void> | undefined;
  #dropped = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  /**
   * The token cache hands out one principal object per verified token, so its fields, its
   * pseudonym (an HMAC when TOLLGATE_ACCESS_HASH_KEY is set) and its part of the key are computed
   * once per token rather than on every request; the entry lives exactly as long as the principal.
   */
  readonly #callers = new WeakMap<Caller, CallerFields>();

  constructor(options: AccessRecorderOptions) {
    this.#o = {
      instanceId: randomUUID(),
      flushIntervalMs: MINUTE_MS,
      maxRows: 10_000,
      telemetryNamesCaller: false,
      ...options,
    };
    this.#lastFlushAt = options.clock.now();
  }

  /** Flushes due rows even when no request comes to trigger it, so an idle instance loses nothing. */
  start(): void {
    this.#timer ??= setInterval(
      () => this.#maybeFlush(this.#o.clock.now()),
      Math.max(1_000, this.#o.flushIntervalMs / 4),
    );
    this.#timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Counts one decision. Cheap and synchronous; may start a flush nobody waits for. */
  record(decision: AccessDecision): void {
    const now = this.#o.clock.now();
    const minute = minuteOf(now);
    const caller = this.#callerOf(decision.principal);
    const { tenantId, callerId, clientAppId, kind } = caller;
    const ruleId = decision.ruleId ?? "";
    const reason = decision.reason ?? "";
    const key = `${minute}\u0000${caller.key}\u0000${ruleId}\u0000${decision.outcome}\u0000${reason}`;

    let entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= this.#o.maxRows) {
        // Memory stays bounded whoever calls; the loss is reported at the next flush.
        this.#dropped++;
        this.#maybeFlush(now);
        return;
      }
      entry = {
        row: {
          minute,
          tenantId,
          callerId,
          clientAppId,
          kind,
          ruleId,
          outcome: decision.outcome,
          reason,
          instanceId: this.#o.instanceId,
          count: 0,
          firstSeen: now,
          lastSeen: now,
          refusalsDropped: 0,
        },
        reported: 0,
      };
      this.#entries.set(key, entry);
    }
    entry.row.count++;
    entry.row.lastSeen = now;
    this.#dirty.add(key);

    // Refusals are the caller's 401s and 403s; outages (503, 502…) are not refusals.
    if (decision.outcome === "deny" && (decision.status === 401 || decision.status === 403)) {
      this.#refusal(decision, entry.row, now, minute);
    }
    this.#maybeFlush(now);
  }

  #callerOf(p: Caller | undefined): CallerFields {
    if (p === undefined) return ANONYMOUS_CALLER;
    let fields = this.#callers.get(p);
    if (fields === undefined) {
      const callerId = this.#o.callerId(p.objectId);
      fields = {
        tenantId: p.tenantId,
        callerId,
        clientAppId: p.clientAppId,
        kind: p.kind,
        key: `${p.tenantId}\u0000${callerId}\u0000${p.clientAppId}\u0000${p.kind}`,
      };
      this.#callers.set(p, fields);
    }
    return fields;
  }

  #refusal(decision: AccessDecision, row: AccessSummary, now: number, minute: number): void {
    if (minute !== this.#refusalMinute) {
      this.#refusalMinute = minute;
      this.#refusalsThisMinute.clear();
    }
    const callerKey = `${row.tenantId}\u0000${row.callerId}`;
    const seen = this.#refusalsThisMinute.get(callerKey) ?? 0;
    if (seen >= this.#o.refusalsPerCallerMinute || this.#refusals.length >= this.#o.maxRows) {
      // A flood costs one counter, not one row each: the drop is on the summary row.
      row.refusalsDropped++;
      return;
    }
    this.#refusalsThisMinute.set(callerKey, seen + 1);
    const refusal: AccessRefusal = {
      at: now,
      traceId: decision.traceId,
      tenantId: row.tenantId,
      callerId: row.callerId,
      clientAppId: row.clientAppId,
      kind: row.kind,
      ruleId: row.ruleId,
      status: decision.status,
      reason: row.reason,
      instanceId: this.#o.instanceId,
    };
    this.#refusals.push(refusal);
    this.#o.telemetry?.event(EVENTS.refusal, {
      [F.traceId]: refusal.traceId,
      [F.tenantId]: refusal.tenantId,
      [F.callerId]: this.#telemetryCaller(refusal.callerId),
      [F.clientAppId]: refusal.clientAppId,
      [F.kind]: refusal.kind,
      [F.ruleId]: refusal.ruleId,
      [F.status]: refusal.status,
      [F.reason]: refusal.reason,
    });
  }

  #maybeFlush(now: number): void {
    if (now - this.#lastFlushAt < this.#o.flushIntervalMs || this.#flushing !== undefined) return;
    void this.flush();
  }

  /**
   * Writes everything recorded before the call. A write already under way holds only what was
   * recorded before it began, so it is waited for and the rest written after it (stop() relies
   * on this: decisions made during the last timed flush are not lost at shutdown). Never throws.
   */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
    this.#flushing = this.#write().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #write(): Promise<void> {
    const now = this.#o.clock.now();
    this.#lastFlushAt = now;
    const keys = [...this.#dirty];
    const summaries = keys.flatMap((key) => {
      const entry = this.#entries.get(key);
      return entry === undefined ? [] : [{ ...entry.row }];
    });
    const refusals = this.#refusals;
    this.#refusals = [];
    for (const key of keys) this.#dirty.delete(key);
    const dropped = this.#dropped;
    this.#dropped = 0;
    if (dropped > 0) this.#o.onEvent?.({ type: "access_dropped", decisions: dropped });
    if (summaries.length === 0 && refusals.length === 0) return;
    try {
      const { transactions } = await this.#o.table.write({ summaries, refusals });
      this.#o.onEvent?.({
        type: "access_flushed",
        summaries: summaries.length,
        refusals: refusals.length,
        transactions,
      });
    } catch (error) {
      // Kept for the next flush: the counts stay exact across a storage outage.
      for (const key of keys) this.#dirty.add(key);
      this.#refusals = [...refusals, ...this.#refusals];
      this.#o.onEvent?.({
        type: "access_flush_failed",
        summaries: summaries.length,
        refusals: refusals.length,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.#report(keys);
    // Minutes that are over and written are final: free them.
    const current = minuteOf(now);
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry !== undefined && entry.row.minute + MINUTE_MS <= current && !this.#dirty.has(key))
        this.#entries.delete(key);
    }
  }

  #telemetryCaller(callerId: string): string | undefined {
    return this.#o.telemetryNamesCaller || callerId === ANONYMOUS ? callerId : undefined;
  }

  /** One `tollgate.access` event per written summary, counting only what is new since the last. */
  #report(keys: readonly string[]): void {
    const telemetry = this.#o.telemetry;
    if (telemetry === undefined) return;
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry === undefined) continue;
      const { row } = entry;
      const count = row.count - entry.reported;
      if (count <= 0) continue;
      entry.reported = row.count;
      telemetry.event(EVENTS.access, {
        [F.minute]: new Date(row.minute).toISOString(),
        [F.tenantId]: row.tenantId,
        [F.callerId]: this.#telemetryCaller(row.callerId),
        [F.clientAppId]: row.clientAppId,
        [F.kind]: row.kind,
        [F.ruleId]: row.ruleId,
        [F.outcome]: row.outcome,
        [F.reason]: row.reason,
        [F.count]: count,
      });
    }
  }
}
