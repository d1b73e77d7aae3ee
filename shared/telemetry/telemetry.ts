// What the rest of tollgate may tell telemetry, without depending on OpenTelemetry: one span per
// decision (the gateway's RequestTelemetry), custom events, the rate-limit storage counter and
// the signing keys' age. `telemetryOff` is the same surface doing nothing.

import { noTelemetry, type RequestTelemetry } from "./decision-record.js";

/** A custom event property. Numbers become measurements; undefined is left out. */
export type EventValue = string | number | boolean | undefined;
export type EventProperties = Readonly<Record<string, EventValue>>;

/** Custom events (`customEvents` in Application Insights): audit findings, key refresh results. */
export interface TelemetryEvents {
  event(name: string, properties?: EventProperties): void;
}

/** For the rate limiter: how many Table Storage calls it made, per policy when it knows it. */
export interface StorageOperationCounter {
  recordStorageOperations(count: number, policy?: string): void;
}

/** The part of a key source's status telemetry reads (KeyStore.status() gives it). */
export interface KeyAge {
  sourceId: string;
  ageSeconds?: number;
}

export interface Telemetry extends RequestTelemetry, TelemetryEvents, StorageOperationCounter {
  /** Registers a reader of the signing keys' age, sampled at each metric export. */
  observeKeyAges(read: () => readonly KeyAge[]): void;
}

export const telemetryOff: Telemetry = {
  begin: noTelemetry.begin,
  event: () => {},
  recordStorageOperations: () => {},
  observeKeyAges: () => {},
};
