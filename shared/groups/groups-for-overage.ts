// Builds the groups-overage lookup from settings: off unless TOLLGATE_GROUPS_GRAPH is true, and
// then Graph with the app's managed identity (DefaultAzureCredential) unless a credential is given.

import type { GraphCredential } from "../audit/graph-reader.js";
import type { Clock } from "../clock.js";
import type { GraphSettings, GroupsSettings } from "../config/settings.js";
import { CachedLookup } from "../graph/cached-lookup.js";
import { azureCredential } from "../identity/azure-credential.js";
import { createMemberGroupsLookup } from "./graph-member-groups.js";
import { createOverageGroups, type OverageGroups } from "./overage-groups.js";

/** Callers whose groups one instance remembers. */
export const GROUPS_CACHE_ENTRIES = 10_000;
/** A failed lookup is answered from memory this long, so an outage is not a Graph call per request. */
export const GROUPS_FAILURE_SECONDS = 5;

export function createGroupsForOverage(
  settings: GroupsSettings,
  graph: GraphSettings,
  options: { clock: Clock; log: (line: string) => void; credential?: GraphCredential; fetch?: typeof fetch },
): OverageGroups | undefined {
  if (!settings.graph) return undefined;
  const lookup = createMemberGroupsLookup({
    baseUrl: graph.url,
    credential: options.credential ?? azureCredential(process.env),
    timeoutMs: graph.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const groups = new CachedLookup<readonly string[]>({
    // The key is `tenant:objectId:kind` (groupsKey): the same object id in two tenants is two callers.
    lookup: (key) => {
      const [, objectId = "", kind] = key.split(":");
      return lookup(kind === "app" ? "app" : "user", objectId);
    },
    clock: options.clock,
    ttlSeconds: settings.cacheSeconds,
    maxEntries: GROUPS_CACHE_ENTRIES,
    failureSeconds: GROUPS_FAILURE_SECONDS,
    onLookup: (outcome) => {
      if (!outcome.ok) options.log(`groups lookup in Microsoft Graph failed: ${outcome.error}`);
    },
  });
  return createOverageGroups(groups, settings.onError);
}
