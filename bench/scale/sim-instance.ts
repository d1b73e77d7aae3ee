// One simulated Functions instance: tollgate's own rate limiter, policy store, key store and
// lifetime aggregator, built from the real settings schema's defaults and wired as
// shared/tollgate.ts wires them, over the simulated account. Only the HTTP edges are left out:
// the model asks the limiter for a decision and lets the background jobs run on their timers.

import { LifetimeAggregator } from "../../shared/audit/lifetime-aggregator.js";
import { createLifetimeTable } from "../../shared/audit/lifetime-table.js";
import type { Clock } from "../../shared/clock.js";
import type { Settings } from "../../shared/config/settings.js";
import { keySourcesFor } from "../../shared/keys/key-sources.js";
import type { KeyStore } from "../../shared/keys/key-store.js";
import type { KeySource } from "../../shared/keys/types.js";
import type { LimitPolicy } from "../../shared/limits/limit-policy.js";
import { type LimitVerdict, RateLimiter } from "../../shared/limits/rate-limiter.js";
import { WindowCounterTable } from "../../shared/limits/window-counter-table.js";
import { PolicyStore } from "../../shared/policy/policy-store.js";
import { policyTableClient } from "../../shared/policy/policy-table.js";
import type { TableClientFactory } from "../../shared/storage/table-client.js";
import { tableName } from "../../shared/storage/table-names.js";
import { createTokenValidator } from "../../shared/token/create-token-validator.js";
import type { Principal } from "../../shared/token/principal.js";

export class SimInstance {
  readonly limiter: RateLimiter;
  readonly policy: PolicyStore;
  readonly keys: KeyStore;
  readonly lifetimes: LifetimeAggregator;
  readonly #source: KeySource;
  alive = true;

  constructor(
    readonly id: number,
    settings: Settings,
    tables: TableClientFactory,
    clock: Clock,
  ) {
    this.limiter = new RateLimiter({
      counters: new WindowCounterTable({
        client: tables(tableName(settings.tablePrefix, "limits")),
        storageTimeoutMs: settings.storageTimeoutMs,
      }),
      clock,
    });
    this.policy = new PolicyStore({
      client: policyTableClient(tables, settings.tablePrefix),
      clock,
      refreshSeconds: settings.policyRefreshSeconds,
      storageTimeoutMs: settings.storageTimeoutMs,
    });
    this.keys = createTokenValidator(settings, {
      tables,
      clock,
      fetch: () => Promise.reject(new Error("instances find the keys in the snapshot the timer keeps")),
    }).keyStore;
    this.lifetimes = new LifetimeAggregator({
      table: createLifetimeTable({
        tables,
        tablePrefix: settings.tablePrefix,
        storageTimeoutMs: settings.storageTimeoutMs,
      }),
      clock,
      instanceId: `instance-${id}`,
    });
    const source = keySourcesFor(settings.token)[0];
    if (source === undefined) throw new Error("the settings name no key source");
    this.#source = source;
  }

  /** What a cold start does before the first request: the role map and the keys. */
  async start(): Promise<void> {
    await Promise.all([this.policy.start(), this.keys.warm([this.#source])]);
  }

  /**
   * The storage-facing work of one request: the key set (which checks the snapshot on its own
   * schedule), the lifetime observation, and the rate-limit decision the request waits for.
   */
  async decide(policyName: string, limit: LimitPolicy, principal: Principal): Promise<LimitVerdict> {
    await this.keys.keySet(this.#source);
    this.lifetimes.observe(principal);
    return this.limiter.check(policyName, limit, principal, "rule");
  }

  /** A crash: timers stop, nothing is flushed, leased permits are lost with the process. */
  kill(): void {
    this.alive = false;
    this.limiter.stop();
    this.policy.stop();
  }
}
