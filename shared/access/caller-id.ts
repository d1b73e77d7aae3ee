// How a caller's object id is written into the access trail: as it is, or as a keyed hash for
// deployments that must not store object ids in clear. The same key gives the same pseudonym, so
// a review run later (or by the CLI) finds the same caller.

import { createHmac } from "node:crypto";

/** Pseudonyms start with this, so a reader never mistakes one for a real object id. */
export const HASHED_PREFIX = "h-";

export type CallerIdFn = (objectId: string) => string;

/**
 * Object ids are GUIDs, case-insensitive: they are lower-cased before hashing, so `ABC…` and
 * `abc…` are one caller. HMAC-SHA256, base64url, 128 bits kept: short enough for a RowKey,
 * far past any collision a review could meet.
 */
export function callerIdFor(hashKey: string | undefined): CallerIdFn {
  if (hashKey === undefined) return (objectId) => objectId.toLowerCase();
  return (objectId) =>
    `${HASHED_PREFIX}${createHmac("sha256", hashKey).update(objectId.toLowerCase()).digest("base64url").slice(0, 22)}`;
}
