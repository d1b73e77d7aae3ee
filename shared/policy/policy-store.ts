// The role map each instance holds in memory: loaded from Table Storage at start, refreshed on a
// timer, and kept as it is whenever storage is down or holds something unusable. The request
// path only calls `current()`, which never does I/O.

import type { TableClient } from "@azure/data-tables";
import { type Clock, systemClock } from "../clock.js";
import { RefreshLoop } from "../storage/refresh-loop.js";
import { parsePolicyJson } from "./parse-policy-json.js";
import type { Policy } from "./policy-schema.js";
import type { PolicyStoreEvent, PolicyStoreEventListener } from "./policy-store-events.js";
import { PolicyContentError, readPointer, readVersionText } from "./policy-table.js";

export interface LoadedPolicy {
  policy: Policy;
  versionId: string;
  sha256: string;
  /** When the version was pushed (ISO 8601). */
  updatedAt: string;
  /** When this instance loaded it (ms since epoch, by the store's clock). */
  loadedAt: number;
  warnings: readonly string[];
}

export interface PolicyStoreOptions {
  /** The policy table; see `policyTableClient`. */
  client: TableClient;
  clock?: Clock;
  /** Seconds between refreshes; fractions are allowed (tests). */
  refreshSeconds: number;
  /** Bounds a whole refresh: the pointer read and the chunk reads together. */
  storageTimeoutMs: number;
  onEvent?: PolicyStoreEventListener;
}

export type RefreshOutcome = "loaded" | "unchanged" | "missing" | "failed" | "rejected";

export class PolicyStore {
  readonly #client: TableClient;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #onEvent: PolicyStoreEventListener | undefined;
  #current: LoadedPolicy | undefined;
  /** `versionId/sha256` of a version found unusable; versions are immutable, so it stays so. */
  #rejected: string | undefined;
  readonly #loop: RefreshLoop<RefreshOutcome>;

  constructor(options: PolicyStoreOptions) {
    if (!(options.refreshSeconds > 0)) throw new RangeError("refreshSeconds must be above 0");
    if (!(options.storageTimeoutMs > 0)) throw new RangeError("storageTimeoutMs must be above 0");
    this.#client = options.client;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = options.storageTimeoutMs;
    this.#onEvent = options.onEvent;
    this.#loop = new RefreshLoop(
      () => this.#refresh(),
      options.refreshSeconds * 1000,
      // No role map yet and storage failed: every request gets 503 until a read succeeds.
      (outcome) => outcome === "failed" && this.#current === undefined,
    );
  }

  /**
   * Loads the policy once, then refreshes on the timer. Resolves even when storage is down;
   * `current()` is then undefined until a refresh succeeds (the gateway answers 503).
   */
  start(): Promise<RefreshOutcome> {
    return this.#loop.start();
  }

  /** The policy in use, or undefined when none could be loaded yet. Never does I/O. */
  current(): LoadedPolicy | undefined {
    return this.#current;
  }

  /** Reads storage now; concurrent callers share one read. Never throws. */
  refreshNow(): Promise<RefreshOutcome> {
    return this.#loop.refreshNow();
  }

  stop(): void {
    this.#loop.stop();
  }

  async #refresh(): Promise<RefreshOutcome> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const hasPolicy = () => this.#current !== undefined;
    let versionKey: string | undefined;
    try {
      const pointer = await readPointer(this.#client, signal);
      if (pointer === undefined) {
        this.#emit({ type: "policy_missing", hasPolicy: hasPolicy() });
        return "missing";
      }
      const current = this.#current;
      if (current?.versionId === pointer.versionId && current.sha256 === pointer.sha256) return "unchanged";
      versionKey = `${pointer.versionId}/${pointer.sha256}`;
      if (versionKey === this.#rejected) return "rejected";

      const text = await readVersionText(this.#client, pointer, signal);
      const parsed = parsePolicyJson(text);
      if (!parsed.ok) {
        this.#rejected = versionKey;
        this.#emit({
          type: "policy_rejected",
          versionId: pointer.versionId,
          problems: parsed.errors,
          hasPolicy: hasPolicy(),
        });
        return "rejected";
      }
      this.#current = {
        policy: parsed.policy,
        versionId: pointer.versionId,
        sha256: pointer.sha256,
        updatedAt: pointer.updatedAt,
        loadedAt: this.#clock.now(),
        warnings: parsed.warnings,
      };
      this.#emit({
        type: "policy_loaded",
        versionId: pointer.versionId,
        sha256: pointer.sha256,
        ruleCount: parsed.policy.rules.length,
        warnings: parsed.warnings,
        ...(current ? { previousVersionId: current.versionId } : {}),
      });
      return "loaded";
    } catch (error) {
      if (error instanceof PolicyContentError) {
        if (versionKey !== undefined) this.#rejected = versionKey;
        this.#emit({
          type: "policy_rejected",
          ...(versionKey === undefined ? {} : { versionId: versionKey.split("/")[0] as string }),
          problems: [error.message],
          hasPolicy: hasPolicy(),
        });
        return "rejected";
      }
      const message = signal.aborted
        ? `storage did not answer within ${this.#timeoutMs} ms`
        : ((error as Error).message ?? String(error));
      this.#emit({ type: "policy_read_failed", error: message, hasPolicy: hasPolicy() });
      return "failed";
    }
  }

  #emit(event: PolicyStoreEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // Telemetry trouble must not stop the policy from loading.
    }
  }
}
