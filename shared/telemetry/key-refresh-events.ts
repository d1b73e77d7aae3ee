// The timer's key refresh results as one custom event per source and run,
// `tollgate.keys.refresh`: whether the Table snapshot was written, unchanged or kept after a
// failure, with the kids that came and went, so key rotation and refresh trouble show in one place.

import { EVENTS, EVENT_FIELDS as F } from "./names.js";
import type { TelemetryEvents } from "./telemetry.js";

/** What one refresh of one source did (the timer job's KeyRefreshResult has this shape). */
export interface KeyRefreshEvent {
  sourceId: string;
  outcome: "written" | "unchanged" | "failed";
  keyCount: number;
  added: readonly string[];
  removed: readonly string[];
  retired: readonly string[];
  snapshotAgeSeconds?: number;
  error?: string;
  rejected: readonly string[];
}

const list = (kids: readonly string[]) => (kids.length > 0 ? kids.join(",") : undefined);

export function recordKeyRefresh(events: TelemetryEvents, result: KeyRefreshEvent): void {
  events.event(EVENTS.keysRefresh, {
    [F.sourceId]: result.sourceId,
    [F.outcome]: result.outcome,
    [F.keyCount]: result.keyCount,
    [F.added]: list(result.added),
    [F.removed]: list(result.removed),
    [F.retired]: list(result.retired),
    [F.ageSeconds]: result.snapshotAgeSeconds,
    [F.error]: result.error,
    [F.rejectedCount]: result.rejected.length,
  });
}
