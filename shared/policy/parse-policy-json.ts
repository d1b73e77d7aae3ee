// A stored policy version in, a validated policy out: the canonical JSON that `policy push`
// wrote. The runtime reads only these, so this door has no YAML parser behind it: the yaml
// library is about a tenth of the code a cold start would otherwise compile (parse-policy.ts,
// which the CLI uses, adds YAML on top of this).

import { jsonDuplicateKeys } from "./json-duplicate-keys.js";
import { referenceErrors } from "./policy-references.js";
import { type Policy, type PolicyDocument, policySchema } from "./policy-schema.js";
import { policyWarnings } from "./policy-warnings.js";
import { resourceWarnings } from "./resource-warnings.js";
import { resourceReferenceErrors } from "./resources.js";
import { formatIssues } from "./schema-errors.js";

export type ParsePolicyResult =
  | { ok: true; policy: Policy; document: PolicyDocument; warnings: string[] }
  | { ok: false; errors: string[] };

/** Far above any real role map; keeps a mistaken file (or a hostile one) from filling memory. */
export const MAX_POLICY_CHARS = 1_000_000;

/** Policy text that must be JSON: a stored version, or a file the caller knows to be JSON. */
export function parsePolicyJson(text: string): ParsePolicyResult {
  if (text.length > MAX_POLICY_CHARS) {
    return { ok: false, errors: [`(document): is larger than ${MAX_POLICY_CHARS} characters`] };
  }
  const read = readJson(text);
  if (!read.ok) return read;
  return validatePolicyDocument(read.value);
}

/** For a document already parsed from JSON or YAML. */
export function validatePolicyDocument(value: unknown): ParsePolicyResult {
  let result: ReturnType<typeof policySchema.safeParse>;
  try {
    // jitless: zod otherwise generates and compiles a parser for every object schema on its first
    // parse, which pays off over many parses; a policy is parsed once per version, at start first.
    result = policySchema.safeParse(value, { jitless: true });
  } catch (error) {
    // Only a requirement tree nested thousands deep gets here (the stack runs out).
    return { ok: false, errors: [`(document): cannot be validated (${(error as Error).message})`] };
  }
  const errors = [
    ...(result.success ? [] : formatIssues(result.error.issues)),
    ...referenceErrors(value),
    ...resourceReferenceErrors(value),
  ];
  if (!result.success || errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    policy: result.data,
    document: value as PolicyDocument,
    warnings: [...policyWarnings(result.data), ...resourceWarnings(result.data)],
  };
}

export type ReadDocument = { ok: true; value: unknown } | { ok: false; errors: string[] };

/** JSON text as a document, refused when it repeats a key. */
function readJson(text: string): ReadDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`(document): is not valid JSON: ${(error as Error).message}`] };
  }
  // JSON.parse keeps the last of two equal keys without a word; a second `require` or `path`
  // would silently replace the first.
  const duplicates = jsonDuplicateKeys(text);
  if (duplicates.length > 0) {
    return {
      ok: false,
      errors: duplicates.map(
        (d) => `(document): duplicate key '${d.key}' at line ${d.line}, column ${d.column}`,
      ),
    };
  }
  return { ok: true, value };
}
