// What the key store reports as it works, for telemetry: one event per fetch, snapshot and
// rejected key. Reporting is one-way; a failing listener never disturbs the store.

export type KeyStoreEvent =
  /** Keys fetched from Entra; `changed` when the set differs from the one held before. */
  | { type: "fetched"; sourceId: string; keyCount: number; changed: boolean }
  | { type: "fetch_failed"; sourceId: string; error: string }
  /** A cold instance took its keys from the Table snapshot. */
  | { type: "snapshot_loaded"; sourceId: string; keyCount: number; ageSeconds: number }
  /** Storage could not be read (timeout, network, permissions); the store went on to Entra. */
  | { type: "snapshot_read_failed"; sourceId: string; error: string }
  /** A snapshot, or a key in it, could not be used and was ignored. */
  | { type: "snapshot_problem"; sourceId: string; problem: string }
  | { type: "snapshot_written"; sourceId: string; keyCount: number }
  /** A running instance took a newer snapshot (written by the timer or another instance). */
  | { type: "snapshot_adopted"; sourceId: string; keyCount: number; ageSeconds: number }
  /** Entra stopped publishing a key; it verifies tokens until `usableUntil` (ms), then never again. */
  | { type: "key_retired"; sourceId: string; kid: string; usableUntil: number }
  | { type: "snapshot_write_failed"; sourceId: string; error: string }
  /** A key Entra published (or the snapshot held) was refused; the others are still used. */
  | { type: "key_rejected"; sourceId: string; problem: string };

export type KeyStoreEventListener = (event: KeyStoreEvent) => void;
