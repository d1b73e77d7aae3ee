// How much memory the verified-token cache may hold. Entries alone do not bound it: under
// `TOLLGATE_TENANTS=*` anyone can mint valid tokens, and 10 000 of 16 KiB (with as many group
// ids) would hold well over 160 MiB. 32 MiB keeps a full cache of ordinary (2 to 4 KiB) tokens.

import type { Principal } from "./principal.js";

export const TOKEN_CACHE_MAX_BYTES = 32 * 1024 * 1024;

/** Roughly what one entry holds, in bytes: the token (its key) and the principal's lists. */
export function tokenCacheEntryBytes(token: string, entry: { principal: Principal }): number {
  const { principal } = entry;
  let bytes = token.length + 512;
  for (const list of [principal.roles, principal.scopes, principal.groups]) {
    for (const item of list) bytes += item.length + 16;
  }
  return bytes;
}
