// The token-lifetime limits the audit flags and the gateway may enforce: one for clients without
// CAE, a longer one for CAE-capable clients (whose tokens can be revoked), and a floor below which
// clients refresh constantly.

import type { AuditSettings } from "../config/settings.js";

/**
 * Issuers may back-date `iat` (and `nbf`) a few minutes to absorb clock skew, so a token issued for
 * exactly the limit can show `exp - iat` a little over it. This much is never held against a token.
 */
export const ISSUED_AT_ALLOWANCE_SECONDS = 300;

export interface LifetimeLimits {
  maxSeconds: number;
  maxCaeSeconds: number;
  /** 0 turns the refresh-storm check off. */
  minSeconds: number;
}

export function lifetimeLimits(audit: AuditSettings): LifetimeLimits {
  return {
    maxSeconds: audit.maxLifetimeSeconds,
    maxCaeSeconds: audit.maxCaeLifetimeSeconds,
    minSeconds: audit.minLifetimeSeconds,
  };
}

/** The limit that applies to a token from a client with or without CAE. */
export function maxLifetimeFor(caeCapable: boolean, limits: LifetimeLimits): number {
  return caeCapable ? limits.maxCaeSeconds : limits.maxSeconds;
}

/** True when a lifetime is over the limit by more than the issued-at allowance. */
export function exceedsLimit(lifetimeSeconds: number, limitSeconds: number): boolean {
  return lifetimeSeconds > limitSeconds + ISSUED_AT_ALLOWANCE_SECONDS;
}

/** A duration for people: `8 h`, `1 h 15 min`, `90 min`, `45 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes <= 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
