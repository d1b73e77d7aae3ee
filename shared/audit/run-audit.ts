// One run of the token-lifetime audit, as the timer function does it: the observed half from the
// lifetimes the gateway instances recorded, the configured half from Microsoft Graph (or one log
// line saying it is skipped), then the findings table brought up to date.

import type { Clock } from "../clock.js";
import { messageOf } from "../printable.js";
import { auditConfiguredPolicies } from "./configured-audit.js";
import { compareFindings, type Finding, type FindingEvent, type FindingSource } from "./finding.js";
import type { FindingsTable } from "./findings-table.js";
import type { GraphReader } from "./graph-reader.js";
import type { LifetimeLimits } from "./lifetime-limits.js";
import type { LifetimeTable } from "./lifetime-table.js";
import { mergeFindings } from "./merge-findings.js";
import { auditObservedLifetimes } from "./observed-audit.js";
import { auditGroupsOverage } from "./overage-audit.js";

/** How far back observed lifetimes count: a day of traffic covers daily and nightly clients. */
export const LOOKBACK_MS = 24 * 3_600_000;
/** Lifetime rows older than this are deleted by the timer. */
export const RETENTION_MS = 48 * 3_600_000;

export interface AuditLog {
  info(line: string): void;
  warn(line: string): void;
}

export interface AuditDeps {
  lifetimes: LifetimeTable;
  findings: FindingsTable;
  /** Undefined: Graph access is not configured and the configured half is skipped. */
  graph: GraphReader | undefined;
  limits: LifetimeLimits;
  apiAppId: string | undefined;
  clock: Clock;
  log: AuditLog;
  onFinding?: (event: FindingEvent) => void;
  /** Ids of the rules that decide on groups, from the stored role map; absent: not checked. */
  groupRules?: () => Promise<readonly string[]>;
}

export interface AuditReport {
  /** Open findings after the run, most severe first. */
  open: Finding[];
  events: FindingEvent[];
  observed: "complete" | "failed";
  configured: "complete" | "incomplete" | "skipped";
}

const GRAPH_SKIPPED =
  "token-lifetime audit: Microsoft Graph access is not configured (TOLLGATE_AUDIT_GRAPH=false), so token-lifetime " +
  "policies in Entra ID are not checked; set TOLLGATE_AUDIT_GRAPH=true and grant the managed identity Policy.Read.All to check them.";

export async function runAudit(deps: AuditDeps): Promise<AuditReport> {
  const now = deps.clock.now();
  const parts: { source: FindingSource; found: Finding[]; complete: boolean }[] = [];

  let observed: AuditReport["observed"] = "complete";
  try {
    const rows = await deps.lifetimes.readSince(now - LOOKBACK_MS);
    // Without the role map the overage finding cannot be judged: nothing of this half is resolved then.
    let groupRules: readonly string[] = [];
    let rulesRead = true;
    try {
      groupRules = (await deps.groupRules?.()) ?? [];
    } catch (error) {
      rulesRead = false;
      deps.log.warn(
        `token-lifetime audit: the role map could not be read for the groups check: ${messageOf(error)}`,
      );
    }
    parts.push({
      source: "observed",
      found: [...auditObservedLifetimes(rows, deps.limits), ...auditGroupsOverage(rows, groupRules)],
      complete: rulesRead,
    });
  } catch (error) {
    observed = "failed";
    deps.log.warn(`token-lifetime audit: observed lifetimes could not be read: ${messageOf(error)}`);
  }
  try {
    const pruned = await deps.lifetimes.pruneBefore(now - RETENTION_MS);
    if (pruned > 0)
      deps.log.info(`token-lifetime audit: deleted ${pruned} lifetime rows older than 48 hours`);
  } catch (error) {
    deps.log.warn(`token-lifetime audit: old lifetime rows could not be deleted: ${messageOf(error)}`);
  }

  let configured: AuditReport["configured"] = "skipped";
  if (deps.graph === undefined) {
    deps.log.info(GRAPH_SKIPPED);
  } else {
    const result = await auditConfiguredPolicies(deps.graph, {
      apiAppId: deps.apiAppId,
      maxLifetimeSeconds: deps.limits.maxSeconds,
      now,
    });
    configured = result.complete ? "complete" : "incomplete";
    for (const problem of result.problems) deps.log.warn(`token-lifetime audit: ${problem}`);
    parts.push({ source: "configured", found: result.findings, complete: result.complete });
  }

  // Without the stored findings nothing can be merged or resolved; the run still reports what it found.
  let stored: Finding[] = [];
  let storedOk = true;
  try {
    stored = await deps.findings.list();
  } catch (error) {
    storedOk = false;
    deps.log.warn(`token-lifetime audit: stored findings could not be read: ${messageOf(error)}`);
  }
  const events: FindingEvent[] = [];
  const save: Finding[] = [];
  for (const part of parts) {
    const merged = mergeFindings(stored, part.found, part.source, now, part.complete && storedOk);
    events.push(...merged.events);
    save.push(...merged.save);
  }
  try {
    await deps.findings.save(save);
  } catch (error) {
    deps.log.warn(`token-lifetime audit: findings could not be stored: ${messageOf(error)}`);
  }

  for (const event of events) {
    if (event.state !== "open") {
      const { finding } = event;
      deps.log[event.state === "new" && finding.severity !== "info" ? "warn" : "info"](
        `token-lifetime audit: ${event.state} ${finding.severity} finding ${finding.id}: ${finding.seen}`,
      );
    }
    try {
      deps.onFinding?.(event);
    } catch {
      // Telemetry must not stop the audit.
    }
  }

  const touched = new Set(save.map((f) => f.id));
  const open = [...save, ...stored.filter((f) => !touched.has(f.id))]
    .filter((f) => f.resolvedAt === undefined)
    .sort(compareFindings);
  return { open, events, observed, configured };
}
