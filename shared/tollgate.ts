// Builds a running tollgate from settings: the one composition root every entry point (the
// Functions app, the local host, the benchmarks) shares, so they all run the same thing.

import { type Clock, systemClock } from "./clock.js";
import type { Settings } from "./config/settings.js";
import { SettingsError } from "./config/settings.js";
import { AssertionKeyError, AssertionSigner, BackendPools } from "./forward/index.js";
import { createGateway, type DecisionRecord } from "./gateway.js";
import type { RequestHandler } from "./http/request-handler.js";
import { keySourcesFor } from "./keys/key-sources.js";
import type { KeyStoreEvent } from "./keys/key-store-events.js";
import { createOwnRoutes, type Readiness, readiness } from "./own-routes.js";
import { PolicyStore, type PolicyStoreEvent, policyTableClient } from "./policy/index.js";
import { createTableClientFactory, type TableClientFactory } from "./storage/table-client.js";
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
      options.onKeyEvent?.(event);
    },
  });

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

  const pools = new BackendPools();
  const sources = {
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

  const handle = createGateway({
    settings,
    validator,
    policy: () => policyStore.current()?.policy,
    signer,
    pools,
    clock,
    ...(options.onDecision ? { onDecision: options.onDecision } : {}),
    ownRoutes: createOwnRoutes(signer, sources),
  });

  return {
    handle,
    async start() {
      await Promise.all([keyStore.warm(keySourcesFor(settings.token)), policyStore.start()]);
    },
    async stop() {
      policyStore.stop();
      await Promise.allSettled([pools.close(), keyStore.idle()]);
    },
    readiness: () => readiness(sources),
  };
}
