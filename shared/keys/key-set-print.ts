// Identifies a key set's content regardless of JWKS order, so the gateway and the timer agree on
// whether a snapshot changed and write it only then.

import type { RetiredKey } from "./retired-keys.js";
import type { ValidatedJwk } from "./types.js";

export interface KeySetContent {
  issuer: string;
  jwksUri: string;
  keys: readonly ValidatedJwk[];
  retired?: readonly RetiredKey[];
}

const byKid = (a: { kid: string }, b: { kid: string }) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);

export function keySetPrint(content: KeySetContent): string {
  const keys = [...content.keys].sort(byKid);
  const retired = (content.retired ?? []).map((entry) => ({ ...entry, kid: entry.key.kid })).sort(byKid);
  // Without retired keys the print is what it always was, so stored snapshots compare as before.
  const parts: unknown[] = [content.issuer, content.jwksUri, keys];
  if (retired.length > 0) parts.push(retired);
  return JSON.stringify(parts);
}
