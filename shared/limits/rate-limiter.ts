// Charges a request to its rate-limit policy and says what follows: admit, refuse (429), admit
// without counting because storage is down (fail open), or refuse because it is (fail closed).

import type { Clock } from "../clock.js";
import type { Principal } from "../token/principal.js";
import { ApproximateLimiter, syncIntervalMs } from "./approximate-limiter.js";
import { limitKey } from "./limit-key.js";
import type { LimitPolicy } from "./limit-policy.js";
import { rateLimitHeaders } from "./ratelimit-headers.js";
import { StorageBreaker } from "./storage-breaker.js";
import { StrictLimiter } from "./strict-limiter.js";
import { CounterStorageError, type WindowCounterTable } from "./window-counter-table.js";
import { secondsUntilReset, type Window } from "./windows.js";

export type LimitOutcome =
  /** Within the limit. */
  | "allow"
  /** Over the limit: 429. */
  | "deny"
  /** Over a report-only limit: counted and reported, admitted. */
  | "report_only_deny"
  /** Storage is down and the policy fails open: admitted without counting. */
  | "storage_open"
  /** Storage is down and the policy fails closed: 503. */
  | "storage_closed";

export interface LimitVerdict {
  outcome: LimitOutcome;
  policyName: string;
  /** RateLimit / RateLimit-Policy headers, when the count is known. */
  headers?: Record<string, string>;
  remaining?: number;
  retryAfterSeconds?: number;
}

export interface RateLimiterOptions {
  counters: WindowCounterTable;
  clock: Clock;
  /** After a storage failure, how long to decide by fail mode without trying storage again. */
  breakerCooldownMs?: number;
}

export class RateLimiter {
  readonly #clock: Clock;
  readonly #breaker: StorageBreaker;
  readonly #strict: StrictLimiter;
  readonly #approximate: ApproximateLimiter;
  readonly #timer: NodeJS.Timeout;

  constructor(options: RateLimiterOptions) {
    this.#clock = options.clock;
    this.#breaker = new StorageBreaker(options.clock, options.breakerCooldownMs ?? 2000);
    this.#strict = new StrictLimiter(options.counters, options.clock);
    this.#approximate = new ApproximateLimiter(options.counters, options.clock, this.#breaker);
    // Approximate counts are pushed even when a key goes quiet.
    this.#timer = setInterval(() => void this.#approximate.syncAll(true), syncIntervalMs(1));
    this.#timer.unref();
  }

  /**
   * check() without a promise when the answer needs no storage: an approximate limit, or a
   * strict one with a permit in hand or its window's budget spent. Undefined when only storage
   * can answer; then call check(). The breaker is left alone, as storage was not asked.
   */
  checkNow(
    policyName: string,
    policy: LimitPolicy,
    principal: Principal | undefined,
    ruleId: string,
    clientIp = "",
  ): LimitVerdict | undefined {
    if (policy.mode === "approximate")
      return this.#checkApproximate(policyName, policy, principal, ruleId, clientIp);
    const key = limitKey(policyName, policy, principal, ruleId, clientIp);
    const verdict = this.#strict.takeNow(
      key,
      policy.requests,
      policy.window,
      () => !this.#breaker.isOpen(),
      policy.shards,
    );
    return verdict && this.#verdict(policyName, policy, verdict.allowed, verdict.window, verdict.remaining);
  }

  async check(
    policyName: string,
    policy: LimitPolicy,
    /** Undefined on a public rule, whose limits are keyed by `clientIp` alone. */
    principal: Principal | undefined,
    ruleId: string,
    clientIp = "",
  ): Promise<LimitVerdict> {
    // Decided in memory: storage was not asked, so the breaker learns nothing from it.
    const now = this.checkNow(policyName, policy, principal, ruleId, clientIp);
    if (now !== undefined) return now;
    const key = limitKey(policyName, policy, principal, ruleId, clientIp);
    try {
      // It waited for a lease (its own or another request's) that storage answered.
      const verdict = await this.#strict.take(
        key,
        policy.requests,
        policy.window,
        () => !this.#breaker.isOpen(),
        policy.shards,
      );
      this.#breaker.succeeded();
      return this.#verdict(policyName, policy, verdict.allowed, verdict.window, verdict.remaining);
    } catch (error) {
      if (!(error instanceof CounterStorageError)) throw error;
      // Turned away because the breaker is open, storage was not tried: that must not hold the
      // breaker open, or steady traffic would keep storage from ever being tried again.
      if (!this.#breaker.isOpen()) this.#breaker.failed();
      return this.#storageDown(policyName, policy);
    }
  }

  /** Approximate limits count in memory and push later: never a wait for storage. */
  #checkApproximate(
    policyName: string,
    policy: LimitPolicy,
    principal: Principal | undefined,
    ruleId: string,
    clientIp: string,
  ): LimitVerdict {
    if (this.#breaker.isOpen() && policy.onStorageError === "closed")
      return this.#storageDown(policyName, policy);
    const key = limitKey(policyName, policy, principal, ruleId, clientIp);
    const verdict = this.#approximate.take(key, policy.requests, policy.window);
    return this.#verdict(policyName, policy, verdict.allowed, verdict.window, verdict.remaining);
  }

  /** Pushes approximate counts now (tests, shutdown). */
  flush(): Promise<void> {
    return this.#approximate.syncAll();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #verdict(
    policyName: string,
    policy: LimitPolicy,
    allowed: boolean,
    window: Window,
    remaining: number,
  ): LimitVerdict {
    const resetSeconds = secondsUntilReset(window, this.#clock.now());
    const headers = rateLimitHeaders({
      policy: policyName,
      limit: policy.requests,
      windowSeconds: policy.window,
      remaining,
      resetSeconds,
    });
    if (allowed) return { outcome: "allow", policyName, headers, remaining };
    return {
      outcome: policy.reportOnly ? "report_only_deny" : "deny",
      policyName,
      headers,
      remaining: 0,
      retryAfterSeconds: resetSeconds,
    };
  }

  #storageDown(policyName: string, policy: LimitPolicy): LimitVerdict {
    if (policy.onStorageError === "open" || policy.reportOnly) return { outcome: "storage_open", policyName };
    return { outcome: "storage_closed", policyName, retryAfterSeconds: this.#breaker.secondsUntilRetry() };
  }
}
