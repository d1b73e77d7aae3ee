// Turns a groups-overage caller into one whose groups are known, for rules that need them: Graph's
// answer replaces the missing claim. When Graph cannot answer, the configured fail mode decides:
// `deny` answers 503 groups_unavailable, `allow` lets group requirements count as met.

import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";
import type { GroupResolver } from "./group-resolver.js";

export type GroupsOnError = "deny" | "allow";

export type OverageGroups = (principal: Principal) => Promise<Principal>;

export function createOverageGroups(
  resolver: Pick<GroupResolver, "groupsOf">,
  onError: GroupsOnError,
): OverageGroups {
  return async (principal) => {
    try {
      const groups = await resolver.groupsOf(principal);
      return { ...principal, groups, overageGroups: "graph" };
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
