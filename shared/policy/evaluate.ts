// Whether a principal meets a requirement tree, and if not, what would meet it: the role and
// scope names for the `insufficient_scope` challenge, and a sentence safe to show the caller.

import type { Principal } from "../token/principal.js";
import { unmetClaim } from "./claim-requirements.js";
import type { NameSet, Requirement } from "./policy-schema.js";

export type RequirementResult =
  | { satisfied: true }
  | {
      satisfied: false;
      /** Role and scope names that would satisfy the requirement (any one of them, or with the others). */
      missing: string[];
      /** What the requirement needs that the caller lacks, e.g. "one of the roles 'reader' or 'admin'". */
      needs: string;
      /** The caller's groups were not in the token (too many of them), and a group is needed. */
      groupsOverage: boolean;
      /** Present when a stronger sign-in alone would meet the requirement: the context ids it needs. */
      stepUp?: string[];
    };

/** `composite` marks a combined sentence, which needs parentheses inside another one. */
type Unmet = Extract<RequirementResult, { satisfied: false }> & { composite?: boolean };

/**
 * One node of the requirement tree as evaluated, for `tollgate explain` and the debug trace:
 * the node's key (`roles`, `anyOf`, ...), whether the caller met it, what it needs if not.
 */
export interface RequirementTrace {
  node: string;
  met: boolean;
  needs?: string;
  children?: RequirementTrace[];
}

/** `trace`, when given, receives the evaluated tree (one root); evaluation itself is unchanged. */
export function evaluateRequirement(
  requirement: Requirement,
  principal: Principal,
  trace?: RequirementTrace[],
): RequirementResult {
  const result = check(requirement, principal, trace);
  if (result === undefined) return { satisfied: true };
  const { missing, needs, groupsOverage, stepUp } = result;
  return { satisfied: false, missing, needs, groupsOverage, ...(stepUp ? { stepUp } : {}) };
}

/** Undefined when satisfied. Records the node (and, through `checkNode`, its children) in `trace`. */
function check(req: Requirement, p: Principal, trace?: RequirementTrace[]): Unmet | undefined {
  if (trace === undefined) return checkNode(req, p, undefined);
  const children: RequirementTrace[] = [];
  const result = checkNode(req, p, children);
  trace.push({
    node: Object.keys(req)[0] ?? "?",
    met: result === undefined,
    ...(result === undefined ? {} : { needs: result.needs }),
    ...(children.length > 0 ? { children } : {}),
  });
  return result;
}

function checkNode(req: Requirement, p: Principal, trace: RequirementTrace[] | undefined): Unmet | undefined {
  if ("allOf" in req) {
    const unmet = req.allOf.map((child) => check(child, p, trace)).filter((r) => r !== undefined);
    return unmet.length === 0 ? undefined : combine(unmet, " and ");
  }
  if ("anyOf" in req) {
    const results = req.anyOf.map((child) => check(child, p, trace));
    if (results.some((r) => r === undefined)) return undefined;
    return combine(results as Unmet[], " or ");
  }
  if ("roles" in req) return names(req.roles, p.roles, "role", (have, want) => have === want, true);
  if ("scopes" in req) return names(req.scopes, p.scopes, "scope", (have, want) => have === want, true);
  if ("groups" in req) {
    if (p.groupsOverage && p.overageGroups === "unverified") return undefined;
    if (p.groupsOverage && p.overageGroups !== "graph") {
      return {
        satisfied: false,
        missing: [],
        needs:
          "membership of a required group, but the token had too many groups to list them (groups overage) " +
          "and tollgate does not look them up in Microsoft Graph",
        groupsOverage: true,
      };
    }
    // Group ids are GUIDs in any case; synced group names are case-insensitive in the directory.
    const same = (have: string, want: string) => have.toLowerCase() === want.toLowerCase();
    return names(req.groups, p.groups, "group", same, false);
  }
  if ("tenants" in req) {
    return req.tenants.includes(p.tenantId.toLowerCase())
      ? undefined
      : unmet("a caller from an allowed tenant");
  }
  if ("claims" in req) {
    const claim = unmetClaim(req.claims, p);
    // The required values are not shown: they may say more about the API than a caller needs.
    return claim === undefined ? undefined : unmet(`a token whose '${claim}' claim has the required values`);
  }
  if ("objectIds" in req) {
    return req.objectIds.includes(p.objectId.toLowerCase())
      ? undefined
      : unmet("a caller on the allowed list");
  }
  if ("clientApps" in req) {
    return req.clientApps.includes(p.clientAppId.toLowerCase())
      ? undefined
      : unmet("a call from an allowed client application");
  }
  if ("authContext" in req) {
    if (p.authContexts?.includes(req.authContext)) return undefined;
    return {
      ...unmet(`a sign-in that met the authentication context '${req.authContext}' (Conditional Access)`),
      stepUp: [req.authContext],
    };
  }
  if (p.kind === req.kind) return undefined;
  return unmet(
    req.kind === "user" ? "a signed-in user (a delegated token)" : "an application (an app-only token)",
  );
}

function unmet(needs: string, missing: string[] = []): Unmet {
  return { satisfied: false, missing, needs, groupsOverage: false };
}

/**
 * `anyOf` and `allOf` of names. `named` says whether the names may be shown to the caller: role
 * and scope names appear in the challenge anyway; group ids say more than a caller needs to know.
 */
function names(
  set: NameSet,
  held: readonly string[],
  noun: string,
  same: (have: string, want: string) => boolean,
  named: boolean,
): Unmet | undefined {
  const has = (want: string) => held.some((have) => same(have, want));
  const parts: string[] = [];
  const missing: string[] = [];
  if (set.anyOf && !set.anyOf.some(has)) {
    missing.push(...set.anyOf);
    parts.push(
      named
        ? set.anyOf.length === 1
          ? `the ${noun} ${quoted(set.anyOf)}`
          : `one of the ${noun}s ${quoted(set.anyOf, " or ")}`
        : `membership of one of ${set.anyOf.length} required ${noun}s`,
    );
  }
  const absent = set.allOf?.filter((want) => !has(want)) ?? [];
  if (absent.length > 0) {
    missing.push(...absent);
    parts.push(
      named
        ? `the ${noun}${absent.length === 1 ? "" : "s"} ${quoted(absent, " and ")}`
        : `membership of ${absent.length} more required ${noun}${absent.length === 1 ? "" : "s"}`,
    );
  }
  if (parts.length === 0) return undefined;
  return unmet(parts.join(" and "), named ? missing : []);
}

function quoted(list: readonly string[], last = ", "): string {
  const q = list.map((item) => `'${item}'`);
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")}${last}${q[q.length - 1]}`;
}

function combine(children: Unmet[], joiner: " and " | " or "): Unmet {
  if (children.length === 1) return children[0] as Unmet;
  const needs = children.map((c) => (c.composite ? `(${c.needs})` : c.needs));
  return {
    satisfied: false,
    missing: [...new Set(children.flatMap((c) => c.missing))],
    needs: joiner === " or " ? `either ${needs.join(" or ")}` : needs.join(" and "),
    // Every child here is unmet, so any overage among them is part of why.
    groupsOverage: children.some((c) => c.groupsOverage),
    ...stepUpOf(children, joiner),
    composite: true,
  };
}

/**
 * Stepping up helps an `allOf` only when it would meet every unmet child, and an `anyOf` when it
 * would meet any one of them (the first such child's contexts are asked for).
 */
function stepUpOf(children: Unmet[], joiner: " and " | " or "): { stepUp?: string[] } {
  if (joiner === " or ") {
    const first = children.find((c) => c.stepUp !== undefined);
    return first?.stepUp ? { stepUp: first.stepUp } : {};
  }
  if (!children.every((c) => c.stepUp !== undefined)) return {};
  return { stepUp: [...new Set(children.flatMap((c) => c.stepUp ?? []))] };
}
