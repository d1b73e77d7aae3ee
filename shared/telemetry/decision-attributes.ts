// What a decision span and the decision metrics say about one request, from its DecisionRecord.
// Only ids and codes: never the token, its signature, an email, a upn or a name; the object id
// only when the operator opted in.

import type { DecisionRecord } from "./decision-record.js";
import { DECISION_ATTRIBUTES as A, DECISION_MEASUREMENTS as M } from "./names.js";
import { scrub } from "./scrub.js";

export type AttributeMap = Record<string, string | number>;

export interface DecisionAttributeOptions {
  includeObjectId: boolean;
}

/** The span's `customDimensions`. */
export function decisionAttributes(record: DecisionRecord, options: DecisionAttributeOptions): AttributeMap {
  const attributes: AttributeMap = { [A.outcome]: record.outcome };
  if (record.reason !== undefined) attributes[A.reason] = record.reason;
  if (record.ruleId !== undefined) attributes[A.ruleId] = record.ruleId;
  const principal = record.principal;
  if (principal !== undefined) {
    attributes[A.tenantId] = principal.tenantId;
    attributes[A.clientAppId] = principal.clientAppId;
    attributes[A.principalKind] = principal.kind;
    attributes[A.tokenVersion] = principal.tokenVersion;
    if (options.includeObjectId) attributes[A.objectId] = principal.objectId;
    if (principal.agent === true) attributes[A.agent] = "true";
    if (principal.agentParentAppId !== undefined) attributes[A.agentParentAppId] = principal.agentParentAppId;
  }
  if (record.rateLimitPolicy !== undefined) attributes[A.rateLimitPolicy] = record.rateLimitPolicy;
  if (record.rateLimitOutcome !== undefined) attributes[A.rateLimitOutcome] = record.rateLimitOutcome;
  if (record.backendStatus !== undefined) attributes[A.backendStatus] = String(record.backendStatus);
  if (record.resource !== undefined) attributes[A.resource] = record.resource;
  const mcp = record.mcp;
  if (mcp?.method !== undefined) attributes[A.mcpMethod] = mcp.method;
  // Caller-written (a resource URI may hold anything): no token or email reaches telemetry.
  if (mcp?.name !== undefined) attributes[A.mcpName] = scrub(mcp.name).slice(0, 256);
  if (mcp?.protocolVersion !== undefined) attributes[A.mcpProtocolVersion] = mcp.protocolVersion;
  return attributes;
}

const rounded = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * The span's `customMeasurements`. `elapsedMs` is the span's own monotonic duration (the record's
 * durationMs comes from the millisecond wall clock, too coarse to subtract a backend time from).
 */
export function decisionMeasurements(record: DecisionRecord, elapsedMs: number): Record<string, number> {
  const measurements: Record<string, number> = {
    [M.addedLatencyMs]: rounded(Math.max(0, elapsedMs - (record.backendMs ?? 0))),
  };
  if (record.verifyMs !== undefined) measurements[M.verifyMs] = rounded(record.verifyMs);
  if (record.backendMs !== undefined) measurements[M.backendMs] = rounded(record.backendMs);
  if (record.rateLimitRemaining !== undefined) measurements[M.rateLimitRemaining] = record.rateLimitRemaining;
  return measurements;
}

/** The decisions counter's dimensions: few values each, so the metric stays cheap. */
export function decisionMetricAttributes(record: DecisionRecord): AttributeMap {
  const attributes: AttributeMap = { [A.outcome]: record.outcome };
  if (record.reason !== undefined) attributes[A.reason] = record.reason;
  if (record.rateLimitPolicy !== undefined) attributes[A.rateLimitPolicy] = record.rateLimitPolicy;
  return attributes;
}
