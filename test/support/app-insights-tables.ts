// How Application Insights files the exporter's envelopes: which table each lands in and which
// columns it fills, so tests can check shipped KQL against what tollgate really sends.

import type { Envelope } from "./telemetry-receiver.js";

const TABLES: Record<string, string> = {
  RequestData: "requests",
  RemoteDependencyData: "dependencies",
  EventData: "customEvents",
  MetricData: "customMetrics",
  MessageData: "traces",
  ExceptionData: "exceptions",
};

/** Context tags and the columns they become, on every table. */
const TAG_COLUMNS: Record<string, string> = {
  "ai.operation.id": "operation_Id",
  "ai.operation.parentId": "operation_ParentId",
  "ai.operation.name": "operation_Name",
  "ai.operation.syntheticSource": "operation_SyntheticSource",
  "ai.cloud.role": "cloud_RoleName",
  "ai.cloud.roleInstance": "cloud_RoleInstance",
  "ai.internal.sdkVersion": "sdkVersion",
  "ai.location.ip": "client_IP",
  "ai.user.id": "user_Id",
  "ai.user.authUserId": "user_AuthenticatedId",
  "ai.session.id": "session_Id",
};

/** baseData fields and their columns, per table. */
const DATA_COLUMNS: Record<string, Record<string, string>> = {
  requests: {
    id: "id",
    name: "name",
    url: "url",
    responseCode: "resultCode",
    success: "success",
    duration: "duration",
    source: "source",
  },
  dependencies: {
    id: "id",
    name: "name",
    data: "data",
    target: "target",
    type: "type",
    resultCode: "resultCode",
    success: "success",
    duration: "duration",
  },
  customEvents: { name: "name" },
  traces: { message: "message", severityLevel: "severityLevel" },
  exceptions: { exceptions: "type", severityLevel: "severityLevel", problemId: "problemId" },
};

/** A metric data point's fields and their customMetrics columns. */
const METRIC_COLUMNS: Record<string, string[]> = {
  name: ["name"],
  value: ["value", "valueSum"],
  count: ["valueCount"],
  min: ["valueMin"],
  max: ["valueMax"],
  stdDev: ["valueStdDev"],
};

export interface TableShape {
  columns: Set<string>;
  customDimensions: Set<string>;
  customMeasurements: Set<string>;
}

export function tableOf(envelope: Envelope): string | undefined {
  return TABLES[envelope.data?.baseType ?? ""];
}

/** The tables, columns and custom keys the given envelopes fill. */
export function tableShapes(envelopes: readonly Envelope[]): Map<string, TableShape> {
  const shapes = new Map<string, TableShape>();
  for (const envelope of envelopes) {
    const table = tableOf(envelope);
    const data = envelope.data?.baseData;
    if (table === undefined || data === undefined) continue;
    let shape = shapes.get(table);
    if (shape === undefined) {
      shape = {
        columns: new Set(["timestamp", "itemCount"]),
        customDimensions: new Set(),
        customMeasurements: new Set(),
      };
      shapes.set(table, shape);
    }
    for (const tag of Object.keys(envelope.tags ?? {})) {
      const column = TAG_COLUMNS[tag];
      if (column) shape.columns.add(column);
    }
    if (table === "customMetrics") {
      for (const point of (data.metrics as Record<string, unknown>[] | undefined) ?? []) {
        for (const field of Object.keys(point))
          for (const column of METRIC_COLUMNS[field] ?? []) shape.columns.add(column);
      }
    } else {
      for (const [field, column] of Object.entries(DATA_COLUMNS[table] ?? {})) {
        if (data[field] !== undefined) shape.columns.add(column);
      }
    }
    const properties = Object.keys((data.properties as Record<string, unknown> | undefined) ?? {});
    const measurements = Object.keys((data.measurements as Record<string, unknown> | undefined) ?? {});
    if (properties.length > 0) shape.columns.add("customDimensions");
    if (measurements.length > 0) shape.columns.add("customMeasurements");
    for (const key of properties) shape.customDimensions.add(key);
    for (const key of measurements) shape.customMeasurements.add(key);
  }
  return shapes;
}
