// The signing-key settings: how keys are fetched from Entra, refreshed, kept when Entra cannot
// be reached, and re-read from the snapshot the timer writes.

import type { z } from "zod";
import { integer } from "./setting-values.js";

export interface KeySettings {
  fetchTimeoutMs: number;
  refreshSeconds: number;
  refetchCooldownSeconds: number;
  maxStalenessSeconds: number;
  /**
   * A key that disappears from Entra's JWKS stays usable this long, then never again. Optional so
   * that a KeyStore built by hand keeps the old behaviour (0: dropped at once).
   */
  removedKeyGraceSeconds?: number;
  /** How often a running instance re-reads the Table snapshot the timer writes; absent: only when stale. */
  snapshotCheckSeconds?: number;
}

export const keyFields = {
  TOLLGATE_KEYS_FETCH_TIMEOUT_MS: integer("TOLLGATE_KEYS_FETCH_TIMEOUT_MS", 100, 60_000).default(5000),
  TOLLGATE_KEYS_REFRESH_SECONDS: integer("TOLLGATE_KEYS_REFRESH_SECONDS", 60, 7 * 86400).default(3600),
  TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: integer("TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS", 0, 3600).default(
    60,
  ),
  TOLLGATE_KEYS_MAX_STALENESS_SECONDS: integer(
    "TOLLGATE_KEYS_MAX_STALENESS_SECONDS",
    300,
    30 * 86400,
  ).default(72 * 3600),
  TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: integer(
    "TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS",
    0,
    86400,
  ).default(300),
  TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS: integer("TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS", 5, 3600).default(60),
};

export function keySettingsFrom(s: z.output<z.ZodObject<typeof keyFields>>): KeySettings {
  return {
    fetchTimeoutMs: s.TOLLGATE_KEYS_FETCH_TIMEOUT_MS,
    refreshSeconds: s.TOLLGATE_KEYS_REFRESH_SECONDS,
    refetchCooldownSeconds: s.TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS,
    maxStalenessSeconds: s.TOLLGATE_KEYS_MAX_STALENESS_SECONDS,
    removedKeyGraceSeconds: s.TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS,
    snapshotCheckSeconds: s.TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS,
  };
}
