// The access review an auditor asks for, from the trail's rows: who reached what, through which
// client app, how often, first and last seen, and what was refused, by reason.

import type { AccessRefusal, AccessSummary } from "./access-rows.js";

export interface AccessFilter {
  sinceMs: number;
  tenantId?: string;
  callerId?: string;
  clientAppId?: string;
  ruleId?: string;
}

export interface AccessReviewLine {
  tenantId: string;
  callerId: string;
  clientAppId: string;
  kind: string;
  ruleId: string;
  allowed: number;
  /** The caller's refusals (401/403). */
  refused: number;
  /** Answers tollgate or the platform failed (outages), not the caller's fault. */
  errors: number;
  /** Calls the caller hung up on before the answer. */
  abandoned: number;
  firstSeen: number;
  lastSeen: number;
  refusedByReason: Record<string, number>;
  /** Refusals counted but, past the per-minute bound, not written one by one. */
  refusalsNotListed: number;
}

export interface AccessReview {
  lines: AccessReviewLine[];
  refusals: AccessRefusal[];
}

function matches(
  row: Pick<AccessSummary, "minute" | "tenantId" | "callerId" | "clientAppId" | "ruleId">,
  f: AccessFilter,
  at: number,
) {
  return (
    at >= f.sinceMs &&
    (f.tenantId === undefined || row.tenantId === f.tenantId) &&
    (f.callerId === undefined || row.callerId === f.callerId) &&
    (f.clientAppId === undefined || row.clientAppId === f.clientAppId) &&
    (f.ruleId === undefined || row.ruleId === f.ruleId)
  );
}

export function buildAccessReview(
  rows: { summaries: readonly AccessSummary[]; refusals: readonly AccessRefusal[] },
  filter: AccessFilter,
): AccessReview {
  const lines = new Map<string, AccessReviewLine>();
  for (const row of rows.summaries) {
    if (!matches(row, filter, row.lastSeen)) continue;
    const key = [row.tenantId, row.callerId, row.clientAppId, row.kind, row.ruleId].join("\u0000");
    let line = lines.get(key);
    if (line === undefined) {
      line = {
        tenantId: row.tenantId,
        callerId: row.callerId,
        clientAppId: row.clientAppId,
        kind: row.kind,
        ruleId: row.ruleId,
        allowed: 0,
        refused: 0,
        errors: 0,
        abandoned: 0,
        firstSeen: row.firstSeen,
        lastSeen: row.lastSeen,
        refusedByReason: {},
        refusalsNotListed: 0,
      };
      lines.set(key, line);
    }
    if (row.outcome === "allow" || row.outcome === "report_only_deny") line.allowed += row.count;
    else if (row.outcome === "error") line.errors += row.count;
    else if (row.outcome === "abandoned") line.abandoned += row.count;
    else {
      line.refused += row.count;
      line.refusedByReason[row.reason] = (line.refusedByReason[row.reason] ?? 0) + row.count;
    }
    line.refusalsNotListed += row.refusalsDropped;
    line.firstSeen = Math.min(line.firstSeen, row.firstSeen);
    line.lastSeen = Math.max(line.lastSeen, row.lastSeen);
  }
  const sorted = [...lines.values()].sort(
    (a, b) =>
      a.tenantId.localeCompare(b.tenantId) ||
      a.callerId.localeCompare(b.callerId) ||
      a.clientAppId.localeCompare(b.clientAppId) ||
      a.ruleId.localeCompare(b.ruleId),
  );
  const refusals = rows.refusals
    .filter((row) => matches({ ...row, minute: row.at }, filter, row.at))
    .sort((a, b) => a.at - b.at);
  return { lines: sorted, refusals };
}
