// One simulated Functions instance: tollgate's own rate limiter, policy store, key store and
// lifetime aggregator, built from the real settings schema's defaults and wired as
// shared/tollgate.ts wires them, over the simulated account. Only the HTTP edges are left out:
// the model asks the limiter for a decision and lets the background jobs run on their timers.

import { AccessRecorder } from "../../shared/access/access-recorder.js";
import { createAccessTable } from "../../shared/access/access-table.js";
import { callerIdFor } from "../../shared/access/caller-id.js";
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
  /** The access trail, when the settings turn it on (the default). */
  readonly access: AccessRecorder | undefined;
  readonly #source: KeySource;
  #decisions = 0;
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
    this.access = settings.access.enabled
      ? new AccessRecorder({
          table: createAccessTable({
            tables,
            tablePrefix: settings.tablePrefix,
            storageTimeoutMs: settings.storageTimeoutMs,
          }),
          clock,
          callerId: callerIdFor(settings.access.hashKey),
          refusalsPerCallerMinute: settings.access.refusalsPerCallerMinute,
          instanceId: `instance-${id}`,
        })
      : undefined;
    const source = keySourcesFor(settings.token)[0];
    if (source === undefined) throw new Error("the settings name no key source");
    this.#source = source;
  }

  /** What a cold start does before the first request: the role map and the keys. */
  async start(): Promise<void> {
    this.access?.start();
    await Promise.all([this.policy.start(), this.keys.warm([this.#source])]);
  }

  /**
   * The storage-facing work of one request: the key set (which checks the snapshot on its own
   * schedule), the lifetime observation, and the rate-limit decision the request waits for.
   */
  async decide(policyName: string, limit: LimitPolicy, principal: Principal): Promise<LimitVerdict> {
    await this.keys.keySet(this.#source);
    this.lifetimes.observe(principal);
    const verdict = await this.limiter.check(policyName, limit, principal, "rule");
    // What the gateway hands the access trail for this decision (429s are refusals, 503s errors).
    const allowed = verdict.outcome === "allow" || verdict.outcome === "storage_open";
    this.access?.record({
      traceId: `${this.id}-${this.#decisions++}`,
      outcome: allowed ? "allow" : verdict.outcome === "storage_closed" ? "error" : "deny",
      ...(allowed
        ? {}
        : { reason: verdict.outcome === "storage_closed" ? "rate_limit_unavailable" : "rate_limited" }),
      ruleId: "rule",
      status: allowed ? 200 : verdict.outcome === "storage_closed" ? 503 : 429,
      principal,
    });
    return verdict;
  }

  /** A crash: timers stop, nothing is flushed, leased permits are lost with the process. */
  kill(): void {
    this.alive = false;
    this.limiter.stop();
    this.policy.stop();
    // Its timer must stop; stop() also writes the pending minute, which a real crash would lose
    // (so the model counts one access-trail flush more per killed instance, never fewer).
    void this.access?.stop().catch(() => undefined);
  }
}
