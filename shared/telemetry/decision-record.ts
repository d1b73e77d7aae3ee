// One request's decision as telemetry records it, and the seam the gateway reports it through.
// The gateway fills the record; telemetry (or nothing) turns it into a span and metrics.

import type { IncomingRequest } from "../http/request-handler.js";
import { traceIdFor } from "../http/trace-id.js";
import type { LimitOutcome } from "../limits/rate-limiter.js";
import type { McpCall } from "../mcp/mcp-rule.js";
import type { Reason } from "../reasons.js";
import type { Principal } from "../token/principal.js";

/** One request's outcome, for telemetry and logs. Never carries the token. */
export interface DecisionRecord {
  traceId: string;
  /**
   * `deny`: the caller was refused for something it did (a reason whose fault is the caller's);
   * `error`: tollgate, Entra, storage or the backend failed it (an outage, not a denial);
   * `abandoned`: the caller went away before the answer, so there is no answer and no reason.
   */
  outcome: "allow" | "deny" | "report_only_deny" | "error" | "abandoned";
  reason?: Reason;
  ruleId?: string;
  status: number;
  principal?: Principal;
  backendStatus?: number;
  /** The rate-limit policy the request was charged to, what it decided and what is left. */
  rateLimitPolicy?: string;
  rateLimitOutcome?: LimitOutcome;
  rateLimitRemaining?: number;
  /** Time spent validating the token (shape, keys, signature, Entra rules), whatever the result. */
  verifyMs?: number;
  /** Time until the backend's status line (or its failure), when the backend was called. */
  backendMs?: number;
  durationMs: number;
  /** The protected resource (policy `resources`) the rule belongs to. */
  resource?: string;
  /** The MCP message's method, name and protocol version, on routes with MCP rules. */
  mcp?: McpCall;
}

/**
 * Where a request's decision is recorded (telemetry). `begin` runs as the request arrives and
 * names the trace id the problem body will carry, so a caller's report leads to the exact trace.
 */
export interface RequestTelemetry {
  begin(request: IncomingRequest, url?: URL): { traceId: string; end(record: DecisionRecord): void };
}

/** Without telemetry: the caller's traceparent trace id, or a fresh one. */
export const noTelemetry: RequestTelemetry = {
  begin: (request) => ({ traceId: traceIdFor(request.headers), end: () => {} }),
};
