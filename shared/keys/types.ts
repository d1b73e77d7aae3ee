// The signing-key store's contract with the token verifier.

import type { TokenVersion } from "../config/settings.js";

/** Where one set of Entra signing keys comes from: one token version at one tenant path. */
export interface KeySource {
  /** Stable id, safe as a Table PartitionKey, e.g. `v2.0_72f988bf-…` or `v2.0_organizations`. */
  id: string;
  version: TokenVersion;
  /** A tenant GUID, or `organizations` (v2) / `common` (v1) when any tenant is accepted. */
  tenant: string;
  discoveryUrl: string;
}

/** A JWK that passed the checks in validate-jwk.ts, reduced to the members verification needs. */
export interface ValidatedJwk {
  kty: "RSA" | "EC";
  kid: string;
  use?: "sig";
  alg?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
  /** Entra's key `issuer` property; may hold the `{tenantid}` template. */
  issuer?: string;
}

export interface VerificationKey {
  kid: string;
  /** The JWK's `alg`, when it names one. */
  alg: string | undefined;
  /** Imported once when the key set is loaded, never per request. */
  key: CryptoKey;
  /** Entra's key `issuer` property; may hold the `{tenantid}` template. */
  issuer: string | undefined;
  /**
   * Set once Entra no longer publishes the key: it verifies nothing from this time on (ms since
   * epoch), the end of the removed-key grace.
   */
  retiredUntil?: number;
}

export interface KeySet {
  sourceId: string;
  /** The discovery document's issuer; may hold the `{tenantid}` template. */
  issuer: string;
  jwksUri: string;
  /** When these keys were last fetched from Entra (ms since epoch). */
  fetchedAt: number;
  keys: ReadonlyMap<string, VerificationKey>;
}

export interface SigningKeys {
  /**
   * The key set for a source, from memory, else the Table snapshot, else Entra.
   * Throws TollgateError `keys_unavailable` (503) when no usable keys exist.
   */
  keySet(source: KeySource): Promise<KeySet>;
  /**
   * The key with this `kid`. An unknown `kid` triggers at most one refetch per cooldown, shared by
   * every request waiting for it. Throws `key_not_found` (401) or `keys_unavailable` (503).
   */
  getKey(source: KeySource, kid: string): Promise<VerificationKey>;
  /**
   * The key with this `kid`, synchronously, only when the source's set is fresh (within its
   * refresh interval) and holds it usable: what getKey would answer at once. Undefined otherwise,
   * and the caller then asks getKey, which refreshes, refetches or refuses.
   */
  publishedKeyNow?(source: KeySource, kid: string): VerificationKey | undefined;
}
