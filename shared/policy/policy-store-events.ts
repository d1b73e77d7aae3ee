// What the policy store reports as it works, for telemetry and the start-up log. Reporting is
// one-way; a failing listener never disturbs the store.

export type PolicyStoreEvent =
  /** A new version is in use. `previousVersionId` is absent on the first load. */
  | {
      type: "policy_loaded";
      versionId: string;
      sha256: string;
      ruleCount: number;
      warnings: readonly string[];
      previousVersionId?: string;
    }
  /** Storage holds no policy (nothing pushed yet, or the pointer was deleted). */
  | { type: "policy_missing"; hasPolicy: boolean }
  /** Storage could not be read (timeout, network, permissions); the copy in hand, if any, stays. */
  | { type: "policy_read_failed"; error: string; hasPolicy: boolean }
  /**
   * The stored version is unusable (bad checksum, missing chunk, invalid document); told once per
   * version. `versionId` is absent when the pointer entity itself is unreadable.
   */
  | { type: "policy_rejected"; versionId?: string; problems: readonly string[]; hasPolicy: boolean };

export type PolicyStoreEventListener = (event: PolicyStoreEvent) => void;
