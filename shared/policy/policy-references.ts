// Checks that span the document (unique rule ids, backends that exist). They read the raw
// document, so they report alongside the field errors instead of after those are fixed.

import { formatFieldPath } from "./schema-errors.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The claims a rate-limit policy as written is keyed by (the default key when it names none). */
function claimKeysOf(limit: unknown): string[] {
  if (!isRecord(limit)) return [];
  const key = limit.key === undefined ? ["tenant", "clientApp", "objectId"] : limit.key;
  return Array.isArray(key)
    ? key.filter((part): part is string => typeof part === "string" && part !== "clientIp")
    : [];
}

export function referenceErrors(document: unknown): string[] {
  if (!isRecord(document)) return [];
  const errors: string[] = [];
  const backends = isRecord(document.backends) ? Object.keys(document.backends) : [];
  const limits = isRecord(document.rateLimits) ? Object.keys(document.rateLimits) : [];
  const seen = new Map<string, string>();

  const check = (rule: unknown, path: (string | number)[], implicitId?: string) => {
    if (!isRecord(rule)) return;
    const where = formatFieldPath(path);
    const id = rule.id ?? implicitId;
    if (typeof id === "string") {
      const first = seen.get(id);
      const note =
        rule.id === undefined ? " (the default rule is called 'default' unless it sets an id)" : "";
      if (first !== undefined) errors.push(`${where}.id: '${id}' is already the id of ${first}${note}`);
      else seen.set(id, where);
    }
    if (typeof rule.backend === "string" && !backends.includes(rule.backend)) {
      const known = backends.length === 0 ? "no backends are defined" : `defined: ${backends.join(", ")}`;
      errors.push(`${where}.backend: '${rule.backend}' is not a backend under 'backends' (${known})`);
    }
    if (typeof rule.rateLimit === "string" && !limits.includes(rule.rateLimit)) {
      const known = limits.length === 0 ? "no rate limits are defined" : `defined: ${limits.join(", ")}`;
      errors.push(`${where}.rateLimit: '${rule.rateLimit}' is not a policy under 'rateLimits' (${known})`);
    } else if (rule.public === true && typeof rule.rateLimit === "string") {
      const limit = isRecord(document.rateLimits) ? document.rateLimits[rule.rateLimit] : undefined;
      const claims = claimKeysOf(limit);
      if (claims.length > 0) {
        const byDefault = isRecord(limit) && limit.key === undefined ? " (the default key)" : "";
        errors.push(
          `${where}.rateLimit: '${rule.rateLimit}' is counted per ${claims.join(", ")}${byDefault}, which a public rule's callers do not have (no token is checked); key it by the caller's address with key: [clientIp], or key: [] for one budget shared by all`,
        );
      }
    }
  };

  if (Array.isArray(document.rules)) {
    for (const [index, rule] of document.rules.entries()) check(rule, ["rules", index]);
  }
  check(document.defaultRule, ["defaultRule"], "default");
  return errors;
}
