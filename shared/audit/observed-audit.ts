// The observed half of the audit: from the lifetimes the gateway instances recorded, flag client
// apps whose tokens live longer than the limit for their CAE capability, and those whose tokens
// are all so short that the clients refresh constantly.

import type { Finding } from "./finding.js";
import { exceedsLimit, formatDuration, type LifetimeLimits, maxLifetimeFor } from "./lifetime-limits.js";
import type { LifetimeAggregate } from "./lifetime-table.js";

interface Evidence {
  tenantId: string;
  clientAppId: string;
  count: number;
  maxSeconds: number;
  firstSeen: number;
  lastSeen: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function gather(
  rows: readonly LifetimeAggregate[],
  keyOf: (row: LifetimeAggregate) => string,
): Map<string, Evidence> {
  const groups = new Map<string, Evidence>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        tenantId: row.tenantId,
        clientAppId: row.clientAppId,
        count: row.count,
        maxSeconds: row.maxSeconds,
        firstSeen: row.firstSeen,
        lastSeen: row.lastSeen,
      });
    } else {
      group.count += row.count;
      group.maxSeconds = Math.max(group.maxSeconds, row.maxSeconds);
      group.firstSeen = Math.min(group.firstSeen, row.firstSeen);
      group.lastSeen = Math.max(group.lastSeen, row.lastSeen);
    }
  }
  return groups;
}

function tooLong(
  evidence: Evidence,
  caeCapable: boolean,
  limits: LifetimeLimits,
  rows: LifetimeAggregate[],
): Finding {
  const limit = maxLifetimeFor(caeCapable, limits);
  // First and last seen of the hours that held an over-long token, not of every token of the app.
  const offending = rows.filter((row) => exceedsLimit(row.maxSeconds, limit));
  const firstSeen = Math.min(...offending.map((row) => row.firstSeen));
  const lastSeen = Math.max(...offending.map((row) => row.lastSeen));
  const app = evidence.clientAppId;
  const seen =
    `Client app ${app} (tenant ${evidence.tenantId}) presented access tokens ` +
    `${caeCapable ? "with" : "without"} Continuous Access Evaluation that live up to ${formatDuration(evidence.maxSeconds)} ` +
    `(${evidence.count} requests between ${iso(firstSeen)} and ${iso(lastSeen)}); the limit is ${formatDuration(limit)}.`;
  const shared = {
    source: "observed" as const,
    subject: `client app ${app}`,
    tenantId: evidence.tenantId,
    clientAppId: app,
    seen,
    firstSeen,
    lastSeen,
  };
  if (!caeCapable) {
    return {
      id: `observed_token-lifetime_${evidence.tenantId}_${app}`,
      code: "token_lifetime_too_long",
      severity: "high",
      ...shared,
      why:
        "A leaked access token works until it expires, and without CAE nothing cuts it short when the user is " +
        "disabled or their sessions are revoked: every extra hour of lifetime is an hour a thief keeps access.",
      fix:
        `Shorten AccessTokenLifetime in the token-lifetime policy that applies to this API or to client app ${app} ` +
        `(Entra's default is 60 to 90 minutes), or enable CAE for client app ${app} (declare the cp1 client ` +
        "capability in MSAL) so that its long-lived tokens can be revoked.",
    };
  }
  return {
    id: `observed_cae-token-lifetime_${evidence.tenantId}_${app}`,
    code: "cae_token_lifetime_too_long",
    severity: "warning",
    ...shared,
    why:
      "CAE lets Entra revoke a token early, but only for the events it covers and only where the API enforces " +
      "claims challenges; a token that lives past Entra's own 28-hour ceiling points to a policy worth reviewing.",
    fix: `Shorten AccessTokenLifetime in the token-lifetime policy that applies to client app ${app} or to this API.`,
  };
}

function tooShort(evidence: Evidence, limits: LifetimeLimits): Finding {
  const app = evidence.clientAppId;
  return {
    id: `observed_short-lifetime_${evidence.tenantId}_${app}`,
    source: "observed",
    code: "token_lifetime_too_short",
    severity: "warning",
    subject: `client app ${app}`,
    tenantId: evidence.tenantId,
    clientAppId: app,
    seen:
      `Every access token client app ${app} (tenant ${evidence.tenantId}) presented lived ${formatDuration(evidence.maxSeconds)} ` +
      `or less (${evidence.count} requests between ${iso(evidence.firstSeen)} and ${iso(evidence.lastSeen)}); the floor is ${formatDuration(limits.minSeconds)}.`,
    why:
      "Each expiry sends the client back to Entra ID for a new token: sign-ins slow down, and many clients " +
      "refreshing at once (a refresh storm) are throttled by Entra and fail together.",
    fix:
      `Lengthen AccessTokenLifetime in the token-lifetime policy that applies to client app ${app} or to this API ` +
      "(Entra's default is 60 to 90 minutes), or remove that policy.",
    firstSeen: evidence.firstSeen,
    lastSeen: evidence.lastSeen,
  };
}

/** Findings from the rows of the look-back period; rows of every instance are combined. */
export function auditObservedLifetimes(
  rows: readonly LifetimeAggregate[],
  limits: LifetimeLimits,
): Finding[] {
  const findings: Finding[] = [];
  const appKey = (row: LifetimeAggregate) => `${row.tenantId}_${row.clientAppId}`;
  for (const caeCapable of [false, true]) {
    const subset = rows.filter((row) => row.caeCapable === caeCapable);
    for (const [key, evidence] of gather(subset, appKey)) {
      if (!exceedsLimit(evidence.maxSeconds, maxLifetimeFor(caeCapable, limits))) continue;
      findings.push(
        tooLong(
          evidence,
          caeCapable,
          limits,
          subset.filter((row) => appKey(row) === key),
        ),
      );
    }
  }
  if (limits.minSeconds > 0) {
    for (const evidence of gather(rows, appKey).values()) {
      if (evidence.maxSeconds < limits.minSeconds) findings.push(tooShort(evidence, limits));
    }
  }
  return findings;
}
