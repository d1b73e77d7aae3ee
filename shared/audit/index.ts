// The token-lifetime audit's public surface: what the gateway (observation, enforcement), the
// timer function (the audit run), telemetry (events) and the CLI (findings) use.

export { auditConfiguredPolicies, POLICIES_PATH } from "./configured-audit.js";
export { enforceLifetimeLimits } from "./enforce-lifetime.js";
export {
  compareFindings,
  type Finding,
  type FindingCode,
  type FindingEvent,
  type FindingSeverity,
  type FindingSource,
  findingEventProperties,
} from "./finding.js";
export { createFindingsTable, type FindingsTable } from "./findings-table.js";
export { createGraphReader, type GraphCredential, GraphError, type GraphReader } from "./graph-reader.js";
export {
  LifetimeAggregator,
  type LifetimeAggregatorEvent,
  type LifetimeAggregatorOptions,
  type ObservedToken,
} from "./lifetime-aggregator.js";
export {
  exceedsLimit,
  formatDuration,
  ISSUED_AT_ALLOWANCE_SECONDS,
  type LifetimeLimits,
  lifetimeLimits,
  maxLifetimeFor,
} from "./lifetime-limits.js";
export { createLifetimeTable, type LifetimeAggregate, type LifetimeTable } from "./lifetime-table.js";
export { mergeFindings } from "./merge-findings.js";
export { auditObservedLifetimes } from "./observed-audit.js";
export {
  type AuditDeps,
  type AuditLog,
  type AuditReport,
  LOOKBACK_MS,
  RETENTION_MS,
  runAudit,
} from "./run-audit.js";
export {
  parseDuration,
  parseTokenLifetimePolicy,
  type TokenLifetimePolicy,
} from "./token-lifetime-policy.js";
