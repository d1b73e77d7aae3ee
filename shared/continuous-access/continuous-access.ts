// Continuous access: the checks that can withdraw a verified token before its `exp` (the
// revocation list, the tenants table), built from settings. Each table is mirrored in memory and
// re-read on its own interval; the request path only looks up the last good copy.

import type { GraphCredential } from "../audit/graph-reader.js";
import type { Clock } from "../clock.js";
import type { Settings } from "../config/settings.js";
import { ChallengeBudget } from "../http/challenge-budget.js";
import { azureCredential } from "../identity/azure-credential.js";
import { RevocationGate } from "../revocations/revocation-gate.js";
import { RevocationIndex } from "../revocations/revocation-index.js";
import { revocationTableClient } from "../revocations/revocation-table.js";
import { createSignInSessionsCheck, type SignInSessionsCheck } from "../revocations/sign-in-sessions.js";
import type { TableClientFactory } from "../storage/table-client.js";
import { type MirrorEvent, type MirrorStatus, TableMirror } from "../storage/table-mirror.js";
import { TenantGate, tenantIndex } from "../tenants/tenant-gate.js";
import { tenantTableClient } from "../tenants/tenant-table.js";
import type { Principal } from "../token/principal.js";
import { createStepUpRefusal, type StepUpRefusal } from "./step-up.js";

export interface ContinuousAccess {
  /** Throws the refusal for a caller whose access was withdrawn; never does I/O. */
  check(principal: Principal): void;
  /** The refusal for a caller who must meet an authentication context (claims challenge or 403). */
  stepUp: StepUpRefusal;
  /** With TOLLGATE_SIGNIN_SESSIONS_CHECK: the user's sessions in Graph (cached; I/O only on a miss). */
  checkSignInSessions?: SignInSessionsCheck;
  start(): Promise<void>;
  stop(): void;
  /** For readiness: an instance without its revocation list (or tenants table) refuses every caller. */
  status(): ContinuousAccessStatus;
}

export interface ContinuousAccessStatus {
  revocations: MirrorStatus;
  tenants?: MirrorStatus;
}

export function createContinuousAccess(
  settings: Pick<
    Settings,
    "continuousAccess" | "tablePrefix" | "storageTimeoutMs" | "token" | "signInSessions" | "graph"
  >,
  options: {
    tables: TableClientFactory;
    clock: Clock;
    log: (line: string) => void;
    /** Graph access for the sign-in sessions check; default DefaultAzureCredential. */
    graph?: { credential?: GraphCredential; fetch?: typeof fetch };
  },
): ContinuousAccess {
  const { continuousAccess: config } = settings;
  const onEvent = (what: string) => (event: MirrorEvent) => {
    if (event.type === "mirror_read_failed") {
      options.log(
        `${what} could not be read: ${event.error}${event.hasCopy ? " (keeping the last good copy)" : ""}`,
      );
    }
  };
  const revocations = new TableMirror({
    client: revocationTableClient(options.tables, settings.tablePrefix),
    build: RevocationIndex.fromEntities,
    clock: options.clock,
    refreshSeconds: config.revocationsRefreshSeconds,
    storageTimeoutMs: settings.storageTimeoutMs,
    onEvent: onEvent("revocation list"),
  });
  // One budget for both kinds of claims challenge: a token is challenged a bounded number of times.
  const challenges = new ChallengeBudget();
  const revocationGate = new RevocationGate({
    mirror: revocations,
    clock: options.clock,
    authority: settings.token.authority,
    challenges,
  });
  const tenants = config.tenantsTable
    ? new TableMirror({
        client: tenantTableClient(options.tables, settings.tablePrefix),
        build: tenantIndex,
        clock: options.clock,
        refreshSeconds: config.tenantsRefreshSeconds,
        storageTimeoutMs: settings.storageTimeoutMs,
        onEvent: onEvent("tenants table"),
      })
    : undefined;
  const tenantGate = tenants ? new TenantGate(tenants, settings.token.tenants) : undefined;

  const checkSignInSessions = settings.signInSessions.check
    ? createSignInSessionsCheck({
        graph: {
          baseUrl: settings.graph.url,
          timeoutMs: settings.graph.timeoutMs,
          credential: options.graph?.credential ?? azureCredential(process.env),
          ...(options.graph?.fetch ? { fetch: options.graph.fetch } : {}),
        },
        clock: options.clock,
        ttlSeconds: settings.signInSessions.cacheSeconds,
        onError: settings.signInSessions.onError,
        authority: settings.token.authority,
        challenges,
        log: options.log,
      })
    : undefined;

  return {
    ...(checkSignInSessions ? { checkSignInSessions } : {}),
    stepUp: createStepUpRefusal(settings.token.authority, challenges),
    check(principal) {
      // The tenant first: a suspended tenant's callers need no claims challenge.
      tenantGate?.check(principal);
      revocationGate.check(principal);
    },
    async start() {
      await Promise.all([revocations.start(), tenants?.start()]);
    },
    stop() {
      revocations.stop();
      tenants?.stop();
    },
    status: () => ({
      revocations: revocations.status(),
      ...(tenants ? { tenants: tenants.status() } : {}),
    }),
  };
}
