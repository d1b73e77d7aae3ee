// Things in a valid policy that are probably not what the author meant. They do not stop a push:
// `tollgate policy validate` and the store's load event show them.

import { loopbackHost } from "../config/parsers.js";
import { patternCovers } from "./path-pattern.js";
import type { Policy, PolicyRule } from "./policy-schema.js";

// The Functions host answers these itself, even with an empty route prefix.
const HOST_RESERVED = ["admin", "runtime"];

export function policyWarnings(policy: Policy): string[] {
  const warnings: string[] = [];
  const name = (rule: PolicyRule, index: number) => `rules[${index}] (${rule.id})`;

  policy.rules.forEach((rule, index) => {
    const first = rule.path.segments[0];
    // The host matches its routes ignoring case, so '/Admin' is just as unreachable.
    if (first?.kind === "literal" && HOST_RESERVED.includes(first.folded)) {
      warnings.push(
        `${name(rule, index)}: path '${rule.path.source}' is under /${first.folded}, which the Azure Functions ` +
          "host keeps for itself (even with an empty route prefix); such requests never reach tollgate",
      );
    }

    const winner = policy.rules.slice(0, index).findIndex((earlier) => shadows(earlier, rule));
    const earlier = policy.rules[winner];
    if (earlier) {
      warnings.push(
        `${name(rule, index)} can never match: ${name(earlier, winner)} comes first and matches every request it would`,
      );
    }

    if (rule.reportOnly) {
      warnings.push(
        `${name(rule, index)} is report-only: a caller it would refuse is let through and only recorded`,
      );
    }
  });

  if (policy.defaultRule !== "deny") {
    warnings.push(
      policy.defaultRule.reportOnly
        ? "defaultRule is report-only: requests no rule matches go through, and refusals are only recorded"
        : "defaultRule is not 'deny': requests no rule matches are sent on when the caller meets it",
    );
  }

  for (const [backendName, backend] of Object.entries(policy.backends)) {
    const url = new URL(backend.url);
    if (url.protocol === "http:" && !loopbackHost(url.hostname)) {
      warnings.push(
        `backends.${backendName}: '${backend.url}' is plain http to another host; the identity headers travel unencrypted`,
      );
    }
  }
  return warnings;
}

/** True when `earlier` matches every request `later` matches, so `later` is dead. */
function shadows(earlier: PolicyRule, later: PolicyRule): boolean {
  if (earlier.host !== undefined && earlier.host !== later.host) return false;
  // An MCP rule matches only some messages on its route, so it leaves the rest to later rules.
  if (earlier.mcp !== undefined) return false;
  if (
    earlier.methods !== "*" &&
    (later.methods === "*" || !later.methods.every((m) => earlier.methods.includes(m)))
  ) {
    return false;
  }
  return patternCovers(earlier.path, later.path);
}
