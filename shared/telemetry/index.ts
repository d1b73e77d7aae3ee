// Telemetry's surface for the rest of tollgate. Starting the distro lives in start-telemetry.ts,
// imported only by entry points' bootstrap modules, so importing this never loads the exporter.

export { type AuditFindingEvent, recordAuditFinding } from "./audit-events.js";
export { type DecisionRecord, noTelemetry, type RequestTelemetry } from "./decision-record.js";
export { keyEventTelemetry, recordKeyEvent } from "./key-events.js";
export { type KeyRefreshEvent, recordKeyRefresh } from "./key-refresh-events.js";
export * from "./names.js";
export { createOtelTelemetry } from "./otel-telemetry.js";
export { scrub } from "./scrub.js";
export {
  type EventProperties,
  type EventValue,
  type KeyAge,
  type StorageOperationCounter,
  type Telemetry,
  type TelemetryEvents,
  telemetryOff,
} from "./telemetry.js";
