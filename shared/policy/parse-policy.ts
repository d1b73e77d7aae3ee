// Policy text (JSON or YAML) in, a validated policy or every problem with the field it is in out.
// The same door serves the CLI, the push and the store reading a stored version back.

import { isMap, parseDocument } from "yaml";
import { jsonDuplicateKeys } from "./json-duplicate-keys.js";
import { referenceErrors } from "./policy-references.js";
import { type Policy, type PolicyDocument, policySchema } from "./policy-schema.js";
import { policyWarnings } from "./policy-warnings.js";
import { resourceWarnings } from "./resource-warnings.js";
import { resourceReferenceErrors } from "./resources.js";
import { formatIssues } from "./schema-errors.js";

export type PolicyFormat = "json" | "yaml";

export type ParsePolicyResult =
  | { ok: true; policy: Policy; document: PolicyDocument; warnings: string[] }
  | { ok: false; errors: string[] };

/** Far above any real role map; keeps a mistaken file (or a hostile one) from filling memory. */
export const MAX_POLICY_CHARS = 1_000_000;

/** Without `format`, text that starts with "{" is JSON and anything else YAML. */
export function parsePolicy(text: string, format?: PolicyFormat): ParsePolicyResult {
  if (text.length > MAX_POLICY_CHARS) {
    return { ok: false, errors: [`(document): is larger than ${MAX_POLICY_CHARS} characters`] };
  }
  const chosen = format ?? (text.trimStart().startsWith("{") ? "json" : "yaml");
  const read = chosen === "json" ? readJson(text) : readYaml(text);
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

type Read = { ok: true; value: unknown } | { ok: false; errors: string[] };

function readJson(text: string): Read {
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

function readYaml(text: string): Read {
  // YAML 1.2 core schema: `yes`/`no`/`on` stay strings (a boolean field then says so), no
  // merge keys, and aliases are capped against expansion bombs.
  const doc = parseDocument(text, { version: "1.2", uniqueKeys: true, prettyErrors: true, merge: false });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return { ok: false, errors: problems.map((e) => `(document): YAML ${oneLine(e.message)}`) };
  }
  if (doc.contents === null) return { ok: false, errors: ["(document): is empty"] };
  if (!isMap(doc.contents)) {
    return { ok: false, errors: ["(document): must be a mapping with 'version' and 'rules'"] };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { ok: false, errors: [`(document): YAML ${oneLine((error as Error).message)}`] };
  }
}

/** The yaml library's messages carry a source excerpt over several lines; keep the first. */
function oneLine(message: string): string {
  const first = message.split("\n")[0]?.trim() ?? message;
  return first.replace(/:$/, "").replace(/^Map keys must be unique/, "duplicate key");
}
