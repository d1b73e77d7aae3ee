// Turns a groups-overage caller into one whose groups are known, for rules that need them: Graph's
// answer replaces the missing claim. When Graph cannot answer, the configured fail mode decides:
// `deny` answers 503 groups_unavailable, `allow` lets group requirements count as met.

import type { CachedLookup } from "../graph/cached-lookup.js";
import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";

export type GroupsOnError = "deny" | "allow";

export type OverageGroups = (principal: Principal) => Promise<Principal>;

/** Cache keys name the directory and the object: `tenant:objectId:kind`. */
export function groupsKey(principal: Pick<Principal, "tenantId" | "objectId" | "kind">): string {
  return `${principal.tenantId.toLowerCase()}:${principal.objectId.toLowerCase()}:${principal.kind}`;
}

/**
 * The caller with Graph's groups, one object per cached token and Graph answer: the identity
 * headers and assertions are memoised per principal object, and a fresh copy per request would
 * defeat that for every overage caller.
 */
const withGroups = new WeakMap<Principal, Principal>();

export function createOverageGroups(
  groups: Pick<CachedLookup<readonly string[]>, "get">,
  onError: GroupsOnError,
): OverageGroups {
  return async (principal) => {
    try {
      const found = await groups.get(groupsKey(principal));
      const prior = withGroups.get(principal);
      if (prior !== undefined && prior.groups === found) return prior;
      const resolved: Principal = { ...principal, groups: found, overageGroups: "graph" };
      withGroups.set(principal, resolved);
      return resolved;
    } catch {
      if (onError === "allow") return { ...principal, overageGroups: "unverified" };
      throw new TollgateError(
        "groups_unavailable",
        "Your groups could not be looked up in Microsoft Graph (the token had too many to list them); try again shortly.",
        { retryAfterSeconds: 5 },
      );
    }
  };
}
