// The caller, as decided from a verified token. Authorization keys on oid + tid, never on
// email or upn, which users and admins can change.

import { guid } from "../config/parsers.js";
import type { TokenVersion } from "../config/settings.js";
import { isCaeCapable } from "../http/claims-challenge.js";
import { TollgateError } from "../reasons.js";
import type { TimeClaims } from "./entra-rules.js";

export interface Principal {
  tenantId: string;
  objectId: string;
  subject: string;
  clientAppId: string;
  kind: "user" | "app";
  scopes: readonly string[];
  roles: readonly string[];
  groups: readonly string[];
  /** The user is in too many groups for the token; `groups` is empty and Graph holds the list. */
  groupsOverage: boolean;
  tokenVersion: TokenVersion;
  audience: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  /** The client declared Continuous Access Evaluation capability (`xms_cc` contains `cp1`). */
  caeCapable: boolean;
  /** Every claim of the verified token, for `claims:` requirements (policy/claim-requirements.ts). */
  claims?: Readonly<Record<string, unknown>>;
  /** Entra's token id (`uti`), for revoking one token; absent when the token has none. */
  tokenId?: string;
  /** Authentication contexts the sign-in satisfied (`acrs`), e.g. ["c1"]. */
  authContexts?: readonly string[];
  /**
   * For an overage caller, how the missing groups were filled in: `graph` (looked up, `groups`
   * holds them), or `unverified` (Graph could not answer and TOLLGATE_GROUPS_ON_ERROR=allow, so
   * group requirements count as met for this request). `groupsOverage` stays true either way.
   */
  overageGroups?: "graph" | "unverified";
  /** An Entra Agent ID token: it carries actor or subject facets (`xms_act_fct`, `xms_sub_fct`). */
  agent?: boolean;
  /** The agent's parent (blueprint) app, `xms_par_app_azp`: for telemetry, never for a decision. */
  agentParentAppId?: string;
}

function stringList(payload: Record<string, unknown>, name: string): string[] {
  const value = payload[name];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new TollgateError("claim_invalid", `The token's '${name}' claim is not a list of strings.`);
  }
  return value;
}

export interface PrincipalInputs {
  tid: string;
  version: TokenVersion;
  clientAppId: string;
  kind: "user" | "app";
  audience: string;
  times: TimeClaims;
}

export function buildPrincipal(payload: Record<string, unknown>, inputs: PrincipalInputs): Principal {
  const { oid, sub, scp } = payload;
  if (typeof oid !== "string" || !guid.test(oid)) {
    throw new TollgateError("claim_invalid", "The token's 'oid' claim is missing or not a GUID.");
  }
  if (typeof sub !== "string" || sub === "") {
    throw new TollgateError("claim_invalid", "The token's 'sub' claim is missing.");
  }
  if (scp !== undefined && typeof scp !== "string") {
    throw new TollgateError("claim_invalid", "The token's 'scp' claim is not a string.");
  }
  const claimNames = payload._claim_names;
  // `_claim_names.groups` in access tokens; `hasgroups` in tokens from the implicit flow.
  const groupsOverage =
    payload.groups === undefined &&
    ((typeof claimNames === "object" && claimNames !== null && "groups" in claimNames) ||
      payload.hasgroups === true);
  return {
    tenantId: inputs.tid,
    objectId: oid.toLowerCase(),
    subject: sub,
    clientAppId: inputs.clientAppId,
    kind: inputs.kind,
    scopes: scp === undefined ? [] : scp.split(" ").filter((s) => s !== ""),
    roles: stringList(payload, "roles"),
    groups: stringList(payload, "groups"),
    groupsOverage,
    tokenVersion: inputs.version,
    audience: inputs.audience,
    issuedAt: inputs.times.issuedAt,
    expiresAt: inputs.times.expiresAt,
    caeCapable: isCaeCapable(stringList(payload, "xms_cc")),
    ...(typeof payload.uti === "string" && payload.uti !== "" ? { tokenId: payload.uti } : {}),
    authContexts: stringList(payload, "acrs"),
    claims: payload,
    ...agentFields(payload),
  };
}

/** Agent ID facets are space-separated numbers; any present marks the token as an agent's. */
function agentFields(payload: Record<string, unknown>): Pick<Principal, "agent" | "agentParentAppId"> {
  const facet = (name: string) =>
    typeof payload[name] === "string" && (payload[name] as string).trim() !== "";
  if (!facet("xms_act_fct") && !facet("xms_sub_fct")) return {};
  const parent = payload.xms_par_app_azp;
  return {
    agent: true,
    ...(typeof parent === "string" && guid.test(parent) ? { agentParentAppId: parent.toLowerCase() } : {}),
  };
}
