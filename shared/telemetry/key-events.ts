// The key store's events as custom events named `tollgate.keys.<type>`: every fetch from Entra
// (and whether it changed the keys), every failure, and what happened to the Table snapshot, so
// key trouble is visible before a request fails on it. Each event's fields become its properties
// (numbers its measurements), so a new kind of key event is reported without a change here.

import type { KeyStoreEvent } from "../keys/key-store-events.js";
import type { EventProperties, EventValue, TelemetryEvents } from "./telemetry.js";

export const KEY_EVENT_PREFIX = "tollgate.keys.";

export function keyEventTelemetry(event: KeyStoreEvent): { name: string; properties: EventProperties } {
  const { type, ...fields } = event;
  const properties: Record<string, EventValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      properties[key] = value;
    }
  }
  return { name: `${KEY_EVENT_PREFIX}${type}`, properties };
}

/** A KeyStore `onEvent` listener that sends each event to telemetry. */
export function recordKeyEvent(events: TelemetryEvents, event: KeyStoreEvent): void {
  const { name, properties } = keyEventTelemetry(event);
  events.event(name, properties);
}
