// The names tollgate's telemetry uses in Application Insights: span attributes (customDimensions),
// measurements (customMeasurements), metric and event names. The shipped KQL queries and the
// workbook use these names, and a test checks that every name a query uses is one of them.

/** Decision span attributes; each becomes a `customDimensions` key on the `requests` row. */
export const DECISION_ATTRIBUTES = {
  outcome: "tollgate.outcome",
  reason: "tollgate.reason",
  ruleId: "tollgate.rule_id",
  tenantId: "tollgate.tenant_id",
  clientAppId: "tollgate.client_app_id",
  principalKind: "tollgate.principal_kind",
  tokenVersion: "tollgate.token_version",
  /** Only when TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID is true. */
  objectId: "tollgate.object_id",
  rateLimitPolicy: "tollgate.rate_limit.policy",
  rateLimitOutcome: "tollgate.rate_limit.outcome",
  backendStatus: "tollgate.backend.status",
  /** The protected resource (policy `resources`) of the rule. */
  resource: "tollgate.resource",
  /** The MCP JSON-RPC method, tool/prompt name or resource URI, and protocol revision. */
  mcpMethod: "tollgate.mcp.method",
  mcpName: "tollgate.mcp.name",
  mcpProtocolVersion: "tollgate.mcp.protocol_version",
  /** "true" for an Entra Agent ID token, and its parent (blueprint) app id. */
  agent: "tollgate.agent",
  agentParentAppId: "tollgate.agent.parent_app_id",
} as const;

/** Decision span numbers; each becomes a `customMeasurements` key on the `requests` row. */
export const DECISION_MEASUREMENTS = {
  verifyMs: "tollgate.verify_ms",
  backendMs: "tollgate.backend_ms",
  /** What tollgate added to the caller's wait: the whole decision less the backend's part. */
  addedLatencyMs: "tollgate.added_latency_ms",
  rateLimitRemaining: "tollgate.rate_limit.remaining",
} as const;

/** Metric names (`customMetrics.name`); their dimensions reuse the attribute names above. */
export const METRICS = {
  decisions: "tollgate.decisions",
  verifyDuration: "tollgate.verify.duration",
  backendDuration: "tollgate.backend.duration",
  keyAge: "tollgate.keys.age",
  rateLimitStorageOperations: "tollgate.rate_limit.storage_operations",
} as const;

/** Metric dimensions that are not decision attributes. */
export const METRIC_ATTRIBUTES = {
  keySource: "tollgate.keys.source",
} as const;

/**
 * Custom event names (`customEvents.name`). Key store events are `tollgate.keys.<type>` for every
 * KeyStoreEvent type (see key-events.ts); those the queries use are named here.
 */
export const EVENTS = {
  /** Keys fetched from Entra (`changed` says whether the set differs from the one held). */
  keysFetched: "tollgate.keys.fetched",
  keysFetchFailed: "tollgate.keys.fetch_failed",
  keysSnapshotLoaded: "tollgate.keys.snapshot_loaded",
  keysSnapshotReadFailed: "tollgate.keys.snapshot_read_failed",
  keysSnapshotProblem: "tollgate.keys.snapshot_problem",
  keysSnapshotWritten: "tollgate.keys.snapshot_written",
  keysSnapshotWriteFailed: "tollgate.keys.snapshot_write_failed",
  keyRejected: "tollgate.keys.key_rejected",
  /** The timer's refresh of one source's Table snapshot: written, unchanged or failed. */
  keysRefresh: "tollgate.keys.refresh",
  auditFinding: "tollgate.audit.finding",
  /** Access trail: decisions per minute, caller, client app, rule, outcome and reason (counts are deltas). */
  access: "tollgate.access",
  /** Access trail: one refusal (401/403), within the per-caller, per-minute bound. */
  refusal: "tollgate.refusal",
} as const;

/** Property and measurement keys of the custom events above. */
export const EVENT_FIELDS = {
  sourceId: "sourceId",
  error: "error",
  problem: "problem",
  changed: "changed",
  keyCount: "keyCount",
  ageSeconds: "ageSeconds",
  outcome: "outcome",
  added: "added",
  removed: "removed",
  retired: "retired",
  rejectedCount: "rejectedCount",
  findingId: "findingId",
  source: "source",
  state: "state",
  code: "code",
  severity: "severity",
  subject: "subject",
  tenantId: "tenantId",
  clientAppId: "clientAppId",
  policyId: "policyId",
  summary: "summary",
  fix: "fix",
  firstSeen: "firstSeen",
  lastSeen: "lastSeen",
  minute: "minute",
  callerId: "callerId",
  kind: "kind",
  ruleId: "ruleId",
  reason: "reason",
  count: "count",
  status: "status",
  traceId: "traceId",
} as const;
