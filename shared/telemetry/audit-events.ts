// The custom event for a token-lifetime audit finding, in one shape, so the shipped "findings"
// query reads every finding the same way whichever audit produced it.

import { EVENTS, EVENT_FIELDS as F } from "./names.js";
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

export function recordAuditFinding(events: TelemetryEvents, finding: AuditFindingEvent): void {
  events.event(EVENTS.auditFinding, {
    [F.findingId]: finding.findingId,
    [F.source]: finding.source,
    [F.state]: finding.state,
    [F.code]: finding.code,
    [F.severity]: finding.severity,
    [F.subject]: finding.subject,
    [F.tenantId]: finding.tenantId,
    [F.clientAppId]: finding.clientAppId,
    [F.policyId]: finding.policyId,
    [F.summary]: finding.summary,
    [F.fix]: finding.fix,
    [F.firstSeen]: finding.firstSeen,
    [F.lastSeen]: finding.lastSeen,
  });
}
