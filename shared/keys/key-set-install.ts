// Installing a key set in two steps. `prepareKeySet` imports the keys (reusing those imported
// before, leaving out any WebCrypto refuses) without touching what a source holds, so a failure
// or a newer set arriving meanwhile changes nothing; `commitKeySet` then makes it current.

import { importJWK, type JWK } from "jose";
import { messageOf, printable } from "../printable.js";
import { algorithmFor } from "./key-algorithm.js";
import { KeyFetchError } from "./key-fetch-error.js";
import { keySetPrint } from "./key-set-print.js";
import type { KeySnapshot } from "./key-snapshot-table.js";
import { type PublishedKeys, type RetiredKey, withinGrace } from "./retired-keys.js";
import type { KeySet, ValidatedJwk, VerificationKey } from "./types.js";

/** The JWKs a set is made from, as Entra published them or the snapshot stored them. */
export type KeyMaterial = Pick<KeySnapshot, "issuer" | "jwksUri" | "keys" | "retired">;

/** Imported keys by kid, with the JWK they came from, so an unchanged key is not imported again. */
export type ImportedKeys = Map<string, { jwk: string; key: VerificationKey }>;

/** A key set imported and ready to become a source's current one. */
export interface PreparedSet {
  set: KeySet;
  imported: ImportedKeys;
  /** The JWKs that made it in, published and retired. */
  material: PublishedKeys;
  /** Fingerprint of the set's content, to tell whether a fetch changed anything. */
  print: string;
}

/** What a source holds of its current set: what a commit replaces. */
export interface InstalledSet {
  current: KeySet | undefined;
  currentPrint: string | undefined;
  imported: ImportedKeys;
  material: PublishedKeys | undefined;
}

export interface PrepareOptions {
  sourceId: string;
  algorithms: readonly string[];
  /** The keys imported for the set held now, reused where the JWK is unchanged. */
  previous: ImportedKeys;
  fetchedAt: number;
  now: number;
  graceMs: number;
  /** Told of each key WebCrypto refused. */
  onRejected: (problem: string) => void;
}

/** Only the key material goes to WebCrypto; kid, use and issuer are tollgate's business. */
function publicMaterial(jwk: ValidatedJwk): JWK {
  return jwk.kty === "RSA"
    ? { kty: "RSA", n: jwk.n, e: jwk.e }
    : { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
}

async function importKey(jwk: ValidatedJwk, algorithms: readonly string[]): Promise<VerificationKey> {
  const alg = algorithmFor(jwk, algorithms);
  if (alg === undefined) throw new Error("no allowed algorithm fits it");
  const key = await importJWK(publicMaterial(jwk), alg);
  if (key instanceof Uint8Array) throw new Error("it imported as a symmetric key");
  return { kid: jwk.kid, alg: jwk.alg, key, issuer: jwk.issuer };
}

/**
 * Imports the keys, reusing those already imported; a key WebCrypto refuses is reported and left
 * out. Retired keys past their grace are dropped; the others verify until their grace ends.
 * Throws KeyFetchError when no published key could be imported.
 */
export async function prepareKeySet(material: KeyMaterial, options: PrepareOptions): Promise<PreparedSet> {
  const imported: ImportedKeys = new Map();
  const keys = new Map<string, VerificationKey>();
  const installed: ValidatedJwk[] = [];
  const installedRetired: RetiredKey[] = [];
  const retired = withinGrace(material.retired ?? [], options.now, options.graceMs);
  const entries = [
    ...material.keys.map((jwk) => ({ jwk, retired: undefined })),
    ...retired.map((entry) => ({ jwk: entry.key, retired: entry })),
  ];
  for (const { jwk, retired: retirement } of entries) {
    // fetchKeySet drops repeated kids; a snapshot could still hold them.
    if (keys.has(jwk.kid)) continue;
    const serialized = JSON.stringify(jwk);
    let entry = options.previous.get(jwk.kid);
    if (entry?.jwk !== serialized) {
      try {
        entry = { jwk: serialized, key: await importKey(jwk, options.algorithms) };
      } catch (error) {
        options.onRejected(
          `key ${JSON.stringify(printable(jwk.kid))}: could not be imported (${messageOf(error)})`,
        );
        continue;
      }
    }
    imported.set(jwk.kid, entry);
    if (retirement === undefined) {
      keys.set(jwk.kid, entry.key);
      installed.push(jwk);
    } else {
      keys.set(jwk.kid, { ...entry.key, retiredUntil: retirement.removedAt + options.graceMs });
      installedRetired.push(retirement);
    }
  }
  if (installed.length === 0) throw new KeyFetchError(material.jwksUri, "no key could be imported");

  const { sourceId, fetchedAt } = options;
  const set: KeySet = { sourceId, issuer: material.issuer, jwksUri: material.jwksUri, fetchedAt, keys };
  const published = { keys: installed, retired: installedRetired };
  const print = keySetPrint({ issuer: material.issuer, jwksUri: material.jwksUri, ...published });
  return { set, imported, material: published, print };
}

/** Makes a prepared set the current one; returns the keys it newly retired. */
export function commitKeySet(into: InstalledSet, prepared: PreparedSet): RetiredKey[] {
  const wasRetired = new Set(into.material?.retired.map((entry) => entry.key.kid));
  into.imported = prepared.imported;
  into.current = prepared.set;
  into.currentPrint = prepared.print;
  into.material = prepared.material;
  return prepared.material.retired.filter((entry) => !wasRetired.has(entry.key.kid));
}
