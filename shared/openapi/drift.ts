// Where a role map and an OpenAPI document disagree: operations no rule covers, rules no
// operation reaches, and operations whose rule asks for other scopes than the document. Each
// operation is matched as a request would be, by the gateway's own matcher.

import { canonicalJson } from "../policy/canonical-json.js";
import type { Policy, Requirement } from "../policy/policy-schema.js";
import { requirementSchema } from "../policy/policy-schema.js";
import { matchRule } from "../policy/route-match.js";
import { samplePath, tollgatePattern } from "./import-policy.js";
import type { Operation } from "./operations.js";

export interface ScopeDifference {
  operation: Operation;
  ruleId: string;
  /** Canonical JSON of each side's requirement; "none" when a side has none. */
  document: string;
  rule: string;
}

export interface Uncovered {
  operation: Operation;
  /**
   * The rule its request falls to instead, when that rule was written for another operation
   * (`/pet/{petId}` catching `/pet/findByTags` once that path's own rule is gone).
   */
  fallsTo?: string;
}

export interface Drift {
  /** Operations with enforceable security that no rule of their own matches. */
  uncovered: Uncovered[];
  /** Operations that declare nothing tollgate can enforce and have no rule: refused by default. */
  undecided: Operation[];
  /** Rules that no operation of the document reaches. */
  unmatchedRules: string[];
  scopeDifferences: ScopeDifference[];
}

export function findDrift(operations: readonly Operation[], policy: Policy): Drift {
  const drift: Drift = { uncovered: [], undecided: [], unmatchedRules: [], scopeDifferences: [] };
  const reached = new Set<string>();
  const patterns = new Set(operations.map((operation) => tollgatePattern(operation.path).pattern));
  for (const operation of operations) {
    const match = matchRule(policy, { method: operation.method, path: samplePath(operation.path) });
    if (match === undefined || "invalidPath" in match) {
      if (operation.decision === undefined) drift.uncovered.push({ operation });
      else drift.undecided.push(operation);
      continue;
    }
    const own = tollgatePattern(operation.path).pattern;
    if (match.rule.path.source !== own && patterns.has(match.rule.path.source)) {
      // Caught by a template meant for another path: an accident of order, not coverage.
      drift.uncovered.push({ operation, fallsTo: match.rule.id });
      continue;
    }
    reached.add(match.rule.id);
    const documentSide = describe(
      operation.require === undefined ? undefined : requirementSchema.parse(operation.require),
    );
    const ruleSide = describe(match.rule.require);
    if (documentSide !== ruleSide) {
      drift.scopeDifferences.push({
        operation,
        ruleId: match.rule.id,
        document: documentSide,
        rule: ruleSide,
      });
    }
  }
  drift.unmatchedRules = policy.rules.map((rule) => rule.id).filter((id) => !reached.has(id));
  return drift;
}

export function hasDrift(drift: Drift): boolean {
  return drift.uncovered.length + drift.unmatchedRules.length + drift.scopeDifferences.length > 0;
}

/** Order-free: names within a set sorted, so a reordered list is not a difference. */
function describe(requirement: Requirement | undefined): string {
  return requirement === undefined ? "none" : canonicalJson(sortNames(requirement));
}

function sortNames(node: Requirement): Requirement {
  if ("allOf" in node) return { allOf: node.allOf.map(sortNames) };
  if ("anyOf" in node) return { anyOf: node.anyOf.map(sortNames) };
  const sorted = (list: readonly string[] | undefined) => (list === undefined ? undefined : [...list].sort());
  for (const key of ["roles", "scopes", "groups"] as const) {
    if (key in node) {
      const set = (node as Record<typeof key, { anyOf?: readonly string[]; allOf?: readonly string[] }>)[key];
      const anyOf = sorted(set.anyOf);
      const allOf = sorted(set.allOf);
      return { [key]: { ...(anyOf ? { anyOf } : {}), ...(allOf ? { allOf } : {}) } } as Requirement;
    }
  }
  return node;
}
