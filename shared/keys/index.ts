// The signing-key store's public surface: what the verifier, the timer function and health use.

export { type FetchedKeySet, type FetchKeySetOptions, fetchKeySet } from "./fetch-key-set.js";
export { algorithmFor } from "./key-algorithm.js";
export { KeyFetchError } from "./key-fetch-error.js";
export { type KeySetContent, keySetPrint } from "./key-set-print.js";
export {
  createKeySnapshotTable,
  type KeySnapshot,
  type KeySnapshotTable,
  type KeySnapshotTableOptions,
} from "./key-snapshot-table.js";
export { keySource, keySourceForToken, keySourcesFor } from "./key-sources.js";
export { type KeySourceStatus, KeyStore, type KeyStoreDeps } from "./key-store.js";
export type { KeyStoreEvent, KeyStoreEventListener } from "./key-store-events.js";
export { type KeyRefreshResult, type RefreshSnapshotDeps, refreshKeySnapshot } from "./refresh-snapshot.js";
export { type PublishedKeys, type RetiredKey, retireRemovedKeys, withinGrace } from "./retired-keys.js";
export type { KeySet, KeySource, SigningKeys, ValidatedJwk, VerificationKey } from "./types.js";
export { type JwkValidation, validateJwk } from "./validate-jwk.js";
