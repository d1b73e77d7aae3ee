// The custom event for a token-lifetime audit finding, in one shape, so the shipped "findings"
// query reads every finding the same way whichever audit produced it.

import type { FindingEvent } from "../audit/finding.js";
import { type EVENT_FIELDS, EVENTS } from "./names.js";
import type { TelemetryEvents } from "./telemetry.js";

export interface AuditFindingEvent {
  /** The finding's stable id, the same across runs. */
  findingId?: string;
  /** `observed` (lifetimes seen in traffic) or `configured` (Entra's token-lifetime policies). */
  source?: string;
  /** How this run left it: `new`, `open` (seen again) or `resolved`. */
  state?: string;
  /** A stable code for the kind of finding, e.g. `token_lifetime_too_long`. */
  code: string;
  severity: "info" | "warning" | "high";
  /** What the finding is about, e.g. `client app 0f1e…` or `policy 4a3b…`. */
  subject: string;
  tenantId?: string;
  clientAppId?: string;
  /** The Entra token-lifetime policy's id, for findings about configuration. */
  policyId?: string;
  /** What was seen and why it matters. */
  summary: string;
  /** What to change. */
  fix: string;
  /** ISO 8601 times. */
  firstSeen?: string;
  lastSeen?: string;
}

// Each field of the event is named as EVENT_FIELDS names it (the queries read those names), so
// the event is the object itself. This fails to compile when a field has no such name.
const everyFieldNamed: Record<Exclude<keyof AuditFindingEvent, keyof typeof EVENT_FIELDS>, never> = {};
void everyFieldNamed;

export function recordAuditFinding(events: TelemetryEvents, finding: AuditFindingEvent): void {
  events.event(EVENTS.auditFinding, { ...finding });
}

/** A finding as a run left it, flat and with ISO 8601 times: one event per finding and run. */
export function recordFinding(events: TelemetryEvents, { finding, state }: FindingEvent): void {
  recordAuditFinding(events, {
    findingId: finding.id,
    source: finding.source,
    state,
    code: finding.code,
    severity: finding.severity,
    subject: finding.subject,
    // Empty ids are left out, as undefined is.
    tenantId: finding.tenantId || undefined,
    clientAppId: finding.clientAppId || undefined,
    policyId: finding.policyId || undefined,
    summary: `${finding.seen} ${finding.why}`,
    fix: finding.fix,
    firstSeen: new Date(finding.firstSeen).toISOString(),
    lastSeen: new Date(finding.lastSeen).toISOString(),
  });
}
