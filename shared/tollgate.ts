// Builds a running tollgate from settings: the one composition root every entry point (the
// Functions app, the local host, the benchmarks) shares, so they all run the same thing.

import { AccessRecorder, type AccessRecorderEvent } from "./access/access-recorder.js";
import { createAccessTable } from "./access/access-table.js";
import { callerIdFor } from "./access/caller-id.js";
import { enforceLifetimeLimits } from "./audit/enforce-lifetime.js";
import type { GraphCredential } from "./audit/graph-reader.js";
import { LifetimeAggregator, type LifetimeAggregatorEvent } from "./audit/lifetime-aggregator.js";
import { lifetimeLimits } from "./audit/lifetime-limits.js";
import { createLifetimeTable } from "./audit/lifetime-table.js";
import { type Clock, systemClock } from "./clock.js";
import type { Settings } from "./config/settings.js";
import { SettingsError } from "./config/settings.js";
import { createContinuousAccess } from "./continuous-access/continuous-access.js";
import { AssertionKeyError } from "./forward/assertion-keys.js";
import { BackendPools } from "./forward/backend-pools.js";
import { AssertionSigner } from "./forward/identity-assertion.js";
import { createGateway, GATEWAY_KEY_HEADER } from "./gateway.js";
import { createGroupsForOverage } from "./groups/groups-for-overage.js";
import { withCors } from "./http/cors.js";
import type { RequestHandler } from "./http/request-handler.js";
import { keySourcesFor } from "./keys/key-sources.js";
import type { KeyStoreEvent } from "./keys/key-store-events.js";
import { RateLimiter } from "./limits/rate-limiter.js";
import { WindowCounterTable } from "./limits/window-counter-table.js";
import { createOwnRoutes, type Readiness, readiness } from "./own-routes.js";
import { traceLogLine } from "./policy/format-trace.js";
import { PolicyStore } from "./policy/policy-store.js";
import type { PolicyStoreEvent } from "./policy/policy-store-events.js";
import { policyTableClient } from "./policy/policy-table.js";
import { DifferenceCounter } from "./shadow/difference-counter.js";
import { createShadowEvaluator } from "./shadow/shadow-evaluator.js";
import { shadowTableClient } from "./shadow/shadow-table.js";
import { createTableClientFactory, type TableClientFactory } from "./storage/table-client.js";
import { tableName } from "./storage/table-names.js";
import type { DecisionRecord } from "./telemetry/decision-record.js";
import { recordKeyEvent } from "./telemetry/key-events.js";
import { type Telemetry, telemetryOff } from "./telemetry/telemetry.js";
import { createTokenValidator } from "./token/create-token-validator.js";

export interface TollgateOptions {
  clock?: Clock;
  tables?: TableClientFactory;
  fetch?: typeof fetch;
  /** One line per notable event (start, key or policy trouble); never a token or a secret. */
  log?: (line: string) => void;
  onDecision?: (record: DecisionRecord) => void;
  onKeyEvent?: (event: KeyStoreEvent) => void;
  onPolicyEvent?: (event: PolicyStoreEvent) => void;
  /** Told how many Table Storage calls each rate-limit lease or sync made. */
  onRateLimitStorageOperations?: (count: number) => void;
  /** Decision spans and metrics, key events and key age; off (silent) when not given. */
  telemetry?: Telemetry;
  /** What the observed-lifetime aggregator wrote (at most once a minute) or failed to write. */
  onLifetimeEvent?: (event: LifetimeAggregatorEvent) => void;
  /** What the access trail wrote (at most once a minute), failed to write or dropped. */
  onAccessEvent?: (event: AccessRecorderEvent) => void;
  /** Graph access for groups overage and sign-in sessions; default DefaultAzureCredential. */
  graph?: { credential?: GraphCredential; fetch?: typeof fetch };
}

export interface Tollgate {
  handle: RequestHandler;
  /** Loads keys and the role map; resolves even when Entra or storage is down (readiness says so). */
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): Readiness;
}

export async function createTollgate(settings: Settings, options: TollgateOptions = {}): Promise<Tollgate> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => {});
  const tables = options.tables ?? createTableClientFactory(settings.storage);
  const telemetry = options.telemetry ?? telemetryOff;

  let signer: AssertionSigner | undefined;
  if (settings.assertion.keys !== undefined) {
    try {
      signer = await AssertionSigner.fromSetting(settings.assertion.keys, {
        issuer: settings.assertion.issuer,
        lifetimeSeconds: settings.assertion.lifetimeSeconds,
        clock,
      });
    } catch (error) {
      if (error instanceof AssertionKeyError)
        throw new SettingsError([`TOLLGATE_ASSERTION_KEYS ${error.message}`]);
      throw error;
    }
  } else {
    log("TOLLGATE_ASSERTION_KEYS is not set: backends get identity headers but no signed assertion.");
  }

  const { validator, keyStore } = createTokenValidator(settings, {
    tables,
    clock,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onKeyEvent: (event) => {
      if (event.type === "fetch_failed")
        log(`signing keys for ${event.sourceId}: fetch failed: ${event.error}`);
      recordKeyEvent(telemetry, event);
      options.onKeyEvent?.(event);
    },
  });

  telemetry.observeKeyAges(() => keyStore.status());

  // Every verified token's lifetime feeds the audit, in memory, written at most once a minute.
  const lifetimes = new LifetimeAggregator({
    table: createLifetimeTable({
      tables,
      tablePrefix: settings.tablePrefix,
      storageTimeoutMs: settings.storageTimeoutMs,
    }),
    clock,
    onEvent: (event) => {
      if (event.type === "lifetimes_flush_failed") log(`token lifetimes could not be stored: ${event.error}`);
      options.onLifetimeEvent?.(event);
    },
  });
  const observeLifetime = (record: DecisionRecord) => {
    if (record.principal !== undefined) lifetimes.observe(record.principal);
  };
  // Who called what, exact: counted in memory, written at most once a minute per instance.
  const access = settings.access.enabled
    ? new AccessRecorder({
        table: createAccessTable({
          tables,
          tablePrefix: settings.tablePrefix,
          storageTimeoutMs: settings.storageTimeoutMs,
        }),
        clock,
        callerId: callerIdFor(settings.access.hashKey),
        refusalsPerCallerMinute: settings.access.refusalsPerCallerMinute,
        telemetry,
        telemetryNamesCaller: settings.access.hashKey !== undefined || settings.telemetry.includeObjectId,
        onEvent: (event) => {
          if (event.type === "access_flush_failed") log(`access trail could not be stored: ${event.error}`);
          if (event.type === "access_dropped")
            log(`access trail: ${event.decisions} decision(s) not counted (memory bound reached)`);
          options.onAccessEvent?.(event);
        },
      })
    : undefined;
  const limits = lifetimeLimits(settings.audit);
  // Tokens refused for their lifetime are verified too: the audit still counts them.
  const gatewayValidator = settings.audit.enforce
    ? enforceLifetimeLimits(validator, limits, (principal) => lifetimes.observe(principal))
    : validator;

  let policyError: string | undefined;
  const policyStore = new PolicyStore({
    client: policyTableClient(tables, settings.tablePrefix),
    clock,
    refreshSeconds: settings.policyRefreshSeconds,
    storageTimeoutMs: settings.storageTimeoutMs,
    onEvent: (event) => {
      if (event.type === "policy_loaded") {
        policyError = undefined;
        log(`role map version ${event.versionId} loaded (${event.ruleCount} rules)`);
      } else if (event.type === "policy_read_failed") {
        policyError = event.error;
        log(
          `role map could not be read: ${event.error}${event.hasPolicy ? " (keeping the last good copy)" : ""}`,
        );
      } else if (event.type === "policy_rejected") {
        policyError = event.problems.join("; ");
        log(`role map version ${event.versionId ?? "?"} refused: ${policyError}`);
      } else if (event.type === "policy_missing") {
        policyError = "no policy has been pushed";
        log("no role map in storage yet: push one with `tollgate policy push <file>`");
      }
      options.onPolicyEvent?.(event);
    },
  });

  // A shadow candidate (`tollgate policy push --shadow`), read like the role map from its own
  // table; `shadowCleared` because a store keeps its last copy when the pointer goes away.
  let shadowCleared = true;
  const shadowStore = new PolicyStore({
    client: shadowTableClient(tables, settings.tablePrefix),
    clock,
    refreshSeconds: settings.policyRefreshSeconds,
    storageTimeoutMs: settings.storageTimeoutMs,
    onEvent: (event) => {
      if (event.type === "policy_loaded") {
        shadowCleared = false;
        log(
          `shadow policy version ${event.versionId} loaded (${event.ruleCount} rules), evaluated beside the live one`,
        );
      } else if (event.type === "policy_missing") {
        if (!shadowCleared) log("shadow policy cleared");
        shadowCleared = true;
      } else if (event.type === "policy_rejected") {
        log(`shadow policy version ${event.versionId ?? "?"} refused: ${event.problems.join("; ")}`);
      }
    },
  });
  const shadowCounts = new DifferenceCounter({
    client: shadowTableClient(tables, settings.tablePrefix),
    clock,
    storageTimeoutMs: settings.storageTimeoutMs,
    onEvent: (event) => {
      if (event.type === "shadow_counts_flush_failed")
        log(`shadow differences could not be stored: ${event.error}`);
    },
  });
  const shadow = createShadowEvaluator({
    candidate: () => {
      const loaded = shadowCleared ? undefined : shadowStore.current();
      return loaded && { policy: loaded.policy, versionId: loaded.versionId };
    },
    counter: shadowCounts,
    events: telemetry,
  });

  const limiter = new RateLimiter({
    counters: new WindowCounterTable({
      client: tables(tableName(settings.tablePrefix, "limits")),
      storageTimeoutMs: settings.storageTimeoutMs,
      onOperations: (count) => {
        telemetry.recordStorageOperations(count);
        options.onRateLimitStorageOperations?.(count);
      },
    }),
    clock,
  });

  // Revocations and onboarded tenants: mirrored from storage, checked in memory on every request.
  const continuousAccess = createContinuousAccess(settings, {
    tables,
    clock,
    log,
    ...(options.graph ? { graph: options.graph } : {}),
  });

  const overageGroups = createGroupsForOverage(settings.groups, settings.graph, {
    clock,
    log,
    ...options.graph,
  });

  const pools = new BackendPools();
  const sources = {
    continuousAccess: () => continuousAccess.status(),
    keys: () => keyStore.status(),
    policy: () => {
      const loaded = policyStore.current();
      return {
        loaded: loaded !== undefined,
        ...(loaded
          ? { versionId: loaded.versionId, ageSeconds: Math.floor((clock.now() - loaded.loadedAt) / 1000) }
          : {}),
        ...(policyError ? { lastError: policyError } : {}),
      };
    },
  };

  // CORS wraps the gateway: preflights are answered before authentication, and no part of the
  // pipeline needs to know about it.
  const handle = withCors(
    createGateway({
      settings,
      validator: gatewayValidator,
      policy: () => policyStore.current()?.policy,
      signer,
      limiter,
      pools,
      clock,
      telemetry,
      onDecision: (record) => {
        observeLifetime(record);
        access?.record(record);
        options.onDecision?.(record);
      },
      ownRoutes: createOwnRoutes(signer, sources, {
        ...(settings.bypass.frontDoorId ? { frontDoorId: settings.bypass.frontDoorId } : {}),
        ...(settings.bypass.gatewayKey
          ? { sharedHeader: { name: GATEWAY_KEY_HEADER, value: settings.bypass.gatewayKey } }
          : {}),
      }),
      shadow,
      // Opt-in: the trace holds rule ids and requirement names, never the token or claim values.
      ...(settings.debugTrace
        ? {
            debugTrace: (record, trace) =>
              log(
                traceLogLine(
                  record.traceId,
                  {
                    status: record.status,
                    outcome: record.outcome,
                    ...(record.reason ? { reason: record.reason } : {}),
                    ...(record.ruleId ? { ruleId: record.ruleId } : {}),
                  },
                  trace,
                ),
              ),
          }
        : {}),
      accessChecks: continuousAccess.check,
      stepUp: continuousAccess.stepUp,
      ...(continuousAccess.checkSignInSessions
        ? { signInSessions: continuousAccess.checkSignInSessions }
        : {}),
      ...(overageGroups ? { overageGroups } : {}),
    }),
    () => policyStore.current()?.policy.cors,
  );

  return {
    handle,
    async start() {
      access?.start();
      await Promise.all([
        keyStore.warm(keySourcesFor(settings.token)),
        policyStore.start(),
        shadowStore.start(),
        continuousAccess.start(),
      ]);
    },
    async stop() {
      policyStore.stop();
      shadowStore.stop();
      continuousAccess.stop();
      limiter.stop();
      await limiter.flush();
      await Promise.allSettled([
        pools.close(),
        keyStore.idle(),
        lifetimes.flush(),
        access?.stop(),
        shadowCounts.flush(),
      ]);
    },
    readiness: () => readiness(sources),
  };
}
