// The signing-key settings: how keys are fetched from Entra, refreshed, kept when Entra cannot
// be reached, and re-read from the snapshot the timer writes.

import { setting } from "./parse-settings.js";
import { wholeNumber } from "./setting-values.js";

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

export const keySpec = {
  fetchTimeoutMs: setting("TOLLGATE_KEYS_FETCH_TIMEOUT_MS", wholeNumber(100, 60_000, 5000)),
  refreshSeconds: setting("TOLLGATE_KEYS_REFRESH_SECONDS", wholeNumber(60, 7 * 86400, 3600)),
  refetchCooldownSeconds: setting("TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS", wholeNumber(0, 3600, 60)),
  maxStalenessSeconds: setting(
    "TOLLGATE_KEYS_MAX_STALENESS_SECONDS",
    wholeNumber(300, 30 * 86400, 72 * 3600),
  ),
  removedKeyGraceSeconds: setting("TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS", wholeNumber(0, 86400, 300)),
  snapshotCheckSeconds: setting("TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS", wholeNumber(5, 3600, 60)),
} as const;
