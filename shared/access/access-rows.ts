// The two kinds of row the access trail holds: exact per-minute summaries of every decision, and
// individual refusals (401/403 that were the caller's fault), both keyed so that a tenant's or a
// caller's history is a range query.

import { createHash } from "node:crypto";

/** The caller of a request without a verified token (missing, malformed, bad signature…). */
export const ANONYMOUS = "anonymous";
/** The tenant of such a request: none is known. */
export const NO_TENANT = "none";

/** The gateway's decision outcomes; `abandoned`: the caller hung up before the answer. */
export type AccessOutcome = "allow" | "deny" | "report_only_deny" | "error" | "abandoned";

/** One (minute, caller, client app, kind, rule, outcome, reason) and how often it happened on one instance. */
export interface AccessSummary {
  /** Start of the UTC minute (ms since epoch). */
  minute: number;
  tenantId: string;
  /** The object id, or its keyed hash; `anonymous` without a verified token. */
  callerId: string;
  clientAppId: string;
  kind: "user" | "app" | "none";
  ruleId: string;
  outcome: AccessOutcome;
  reason: string;
  instanceId: string;
  count: number;
  /** ms since epoch, within the minute. */
  firstSeen: number;
  lastSeen: number;
  /** Refusals of this caller in this minute beyond the per-minute bound, not written one by one. */
  refusalsDropped: number;
}

/** One refusal, written individually (within the per-caller, per-minute bound). */
export interface AccessRefusal {
  at: number;
  traceId: string;
  tenantId: string;
  callerId: string;
  clientAppId: string;
  kind: "user" | "app" | "none";
  ruleId: string;
  status: number;
  reason: string;
  instanceId: string;
}

export const MINUTE_MS = 60_000;

export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** `YYYYMMDD` in UTC: days sort as strings do, so a range of days is a range of PartitionKeys. */
export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, "");
}

/** `YYYYMMDDHHmm` in UTC. */
function minuteKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, "");
}

/**
 * One partition per tenant and UTC day: a tenant's history is a PartitionKey range, a caller's a
 * RowKey prefix inside it, and retention deletes whole old days. Tenant ids are GUIDs (or `none`),
 * so nothing here can hold a character Table keys refuse.
 */
export function partitionKey(tenantId: string, ms: number): string {
  return `${tenantId}_${dayKey(ms)}`;
}

/** Rule ids and reasons may hold anything: they go into properties, and a digest into the key. */
function digest(...parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 16);
}

export function summaryRowKey(row: AccessSummary): string {
  return `s_${row.callerId}_${minuteKey(row.minute)}_${row.instanceId}_${digest(
    row.clientAppId,
    row.kind,
    row.ruleId,
    row.outcome,
    row.reason,
  )}`;
}

export function refusalRowKey(row: AccessRefusal): string {
  return `r_${row.callerId}_${new Date(row.at).toISOString().replace(/[-:.TZ]/g, "")}_${digest(row.traceId, row.instanceId)}`;
}

/** The RowKey range that holds one caller's summaries (`s_<caller>_…`). */
export function summaryPrefix(callerId?: string): string {
  return callerId === undefined ? "s_" : `s_${callerId}_`;
}
