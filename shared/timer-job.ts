// Builds the timer function's work from settings: refresh every key source's snapshot in Table
// Storage, then run the token-lifetime audit. The composition root for the timer, as tollgate.ts
// is for the gateway; the Functions trigger is a thin adapter over it.

import { createAccessTable } from "./access/access-table.js";
import type { FindingEvent } from "./audit/finding.js";
import { createFindingsTable } from "./audit/findings-table.js";
import { createGraphReader, type GraphCredential } from "./audit/graph-reader.js";
import { lifetimeLimits } from "./audit/lifetime-limits.js";
import { createLifetimeTable } from "./audit/lifetime-table.js";
import { type AuditReport, runAudit } from "./audit/run-audit.js";
import { type Clock, systemClock } from "./clock.js";
import type { Settings } from "./config/settings.js";
import { azureCredential } from "./identity/azure-credential.js";
import { createKeySnapshotTable } from "./keys/key-snapshot-table.js";
import { keySourcesFor } from "./keys/key-sources.js";
import { type KeyRefreshResult, refreshKeySnapshot } from "./keys/refresh-snapshot.js";
import { snapshotMacFromAssertionKeys } from "./keys/snapshot-mac.js";
import { groupRuleIds } from "./policy/group-rules.js";
import { policyTableClient } from "./policy/policy-table.js";
import { readCurrentPolicy } from "./policy/read-current-policy.js";
import { createTableClientFactory, type TableClientFactory } from "./storage/table-client.js";
import { recordFinding } from "./telemetry/audit-events.js";
import { recordKeyRefresh } from "./telemetry/key-refresh-events.js";
import { type TelemetryEvents, telemetryOff } from "./telemetry/telemetry.js";

export interface TimerLog {
  info(line: string): void;
  warn(line: string): void;
}

export interface TimerJobOptions {
  clock?: Clock;
  tables?: TableClientFactory;
  /** For Entra's discovery documents and JWKS. */
  fetch?: typeof fetch;
  /** Graph access when TOLLGATE_AUDIT_GRAPH is true; default: the credential TOLLGATE_MANAGED_IDENTITY names. */
  graph?: { credential?: GraphCredential; fetch?: typeof fetch };
  /**
   * Where key refresh results and audit findings go as custom events, as createTollgate takes
   * its telemetry; without it, nowhere.
   */
  telemetry?: TelemetryEvents;
  /** Every source's refresh result, each run (besides telemetry). */
  onKeyRefresh?: (result: KeyRefreshResult) => void;
  /** Every finding a run found, resolved or still saw (besides telemetry). */
  onFinding?: (event: FindingEvent) => void;
}

export interface TimerRunReport {
  keys: KeyRefreshResult[];
  audit: AuditReport;
  /** Access-trail rows older than the retention deleted on this run (undefined: not attempted or failed). */
  accessPruned?: number;
}

export interface TimerJob {
  run(log: TimerLog): Promise<TimerRunReport>;
}

function describeRefresh(result: KeyRefreshResult): string {
  const changes = [
    result.added.length > 0 ? `added ${result.added.join(", ")}` : "",
    result.removed.length > 0 ? `removed ${result.removed.join(", ")}` : "",
    result.retired.length > 0 ? `retired within the grace: ${result.retired.join(", ")}` : "",
  ].filter((part) => part !== "");
  const detail = changes.length > 0 ? `; ${changes.join("; ")}` : "";
  if (result.outcome === "failed") {
    const kept =
      result.snapshotAgeSeconds === undefined
        ? "there is no stored snapshot to fall back on"
        : `keeping the stored ${result.keyCount} key(s), fetched ${result.snapshotAgeSeconds} s ago`;
    return `signing keys ${result.sourceId}: refresh failed (${result.error ?? "unknown error"}); ${kept}`;
  }
  return `signing keys ${result.sourceId}: ${result.outcome} (${result.keyCount} key(s)${detail})`;
}

export function createTimerJob(settings: Settings, options: TimerJobOptions = {}): TimerJob {
  const clock = options.clock ?? systemClock;
  const telemetry = options.telemetry ?? telemetryOff;
  const tables = options.tables ?? createTableClientFactory(settings.storage);
  const storage = { tables, tablePrefix: settings.tablePrefix, storageTimeoutMs: settings.storageTimeoutMs };
  const snapshotTable = createKeySnapshotTable({
    ...storage,
    algorithms: settings.token.algorithms,
    mac: snapshotMacFromAssertionKeys(settings.assertion.keys),
  });
  const lifetimes = createLifetimeTable(storage);
  const findings = createFindingsTable(storage);
  const access = createAccessTable(storage);
  const sources = keySourcesFor(settings.token);
  const graph = settings.audit.graph
    ? createGraphReader({
        baseUrl: settings.audit.graphUrl,
        credential: options.graph?.credential ?? azureCredential(process.env),
        ...(options.graph?.fetch ? { fetch: options.graph.fetch } : {}),
      })
    : undefined;

  return {
    async run(log) {
      const keys = await Promise.all(
        sources.map((source) =>
          refreshKeySnapshot(source, {
            authority: settings.token.authority,
            algorithms: settings.token.algorithms,
            keys: settings.keys,
            table: snapshotTable,
            clock,
            ...(options.fetch ? { fetch: options.fetch } : {}),
          }),
        ),
      );
      for (const result of keys) {
        (result.outcome === "failed" ? log.warn : log.info)(describeRefresh(result));
        for (const problem of result.rejected) log.warn(`signing keys ${result.sourceId}: ${problem}`);
        try {
          recordKeyRefresh(telemetry, result);
          options.onKeyRefresh?.(result);
        } catch {
          // Telemetry must not stop the run.
        }
      }

      const audit = await runAudit({
        lifetimes,
        findings,
        graph,
        limits: lifetimeLimits(settings.audit),
        apiAppId: settings.audit.apiAppId,
        clock,
        log,
        onFinding: (event) => {
          recordFinding(telemetry, event);
          options.onFinding?.(event);
        },
        groupRules: async () => {
          const stored = await readCurrentPolicy(policyTableClient(tables, settings.tablePrefix), {
            storageTimeoutMs: settings.storageTimeoutMs * 5,
          });
          return stored?.parsed.ok ? groupRuleIds(stored.parsed.policy) : [];
        },
      });
      log.info(
        `token-lifetime audit: ${audit.open.length} open finding(s) (${audit.open.filter((f) => f.severity === "high").length} high)`,
      );
      // Retention: whole days past TOLLGATE_ACCESS_RETENTION_DAYS go; a failure waits for the next run.
      let accessPruned: number | undefined;
      try {
        accessPruned = await access.pruneBefore(clock.now() - settings.access.retentionDays * 86_400_000);
        if (accessPruned > 0)
          log.info(
            `access trail: ${accessPruned} row(s) older than ${settings.access.retentionDays} days deleted`,
          );
      } catch (error) {
        log.warn(`access trail retention failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { keys, audit, ...(accessPruned === undefined ? {} : { accessPruned }) };
    },
  };
}
