// One caller's security groups from Microsoft Graph (getMemberObjects with securityEnabledOnly),
// used when a token had too many groups to list them (groups overage).

import { GraphError } from "../audit/graph-reader.js";
import { guid } from "../config/parsers.js";
import { callGraph, type GraphCallOptions, graphStatusError } from "../graph/graph-json.js";

export type MemberGroupsOptions = GraphCallOptions;

export type MemberGroupsLookup = (kind: "user" | "app", objectId: string) => Promise<string[]>;

/**
 * A lookup that resolves to the group ids (lower-cased), or to [] when Graph does not know the
 * object (a caller from another tenant: the app's identity reads its own directory only).
 */
export function createMemberGroupsLookup(options: MemberGroupsOptions): MemberGroupsLookup {
  return async (kind, objectId) => {
    if (!guid.test(objectId)) throw new RangeError("objectId must be a GUID");
    const path = `/v1.0/${kind === "user" ? "users" : "servicePrincipals"}/${objectId}/getMemberObjects`;
    const answer = await callGraph(options, path, { method: "POST", json: { securityEnabledOnly: true } });
    if (answer.status === 404 && answer.code === "Request_ResourceNotFound") return [];
    if (answer.status !== 200) throw graphStatusError(path, answer);
    const value = (answer.body as { value?: unknown } | undefined)?.value;
    if (!Array.isArray(value) || !value.every((id) => typeof id === "string")) {
      throw new GraphError(path, "answer has no value array of ids", { status: answer.status });
    }
    return value.map((id) => id.toLowerCase());
  };
}
