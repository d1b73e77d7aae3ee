// Policy text (JSON or YAML) in, a validated policy or every problem with the field it is in out.
// The door the CLI and the push use; the store reads its stored JSON through parse-policy-json.ts
// alone, so the runtime never loads the YAML parser.

import { isMap, parseDocument } from "yaml";
import {
  MAX_POLICY_CHARS,
  type ParsePolicyResult,
  parsePolicyJson,
  type ReadDocument,
  validatePolicyDocument,
} from "./parse-policy-json.js";

export { MAX_POLICY_CHARS, type ParsePolicyResult, validatePolicyDocument };

export type PolicyFormat = "json" | "yaml";

/** Without `format`, text that starts with "{" is JSON and anything else YAML. */
export function parsePolicy(text: string, format?: PolicyFormat): ParsePolicyResult {
  if (text.length > MAX_POLICY_CHARS) {
    return { ok: false, errors: [`(document): is larger than ${MAX_POLICY_CHARS} characters`] };
  }
  const chosen = format ?? (text.trimStart().startsWith("{") ? "json" : "yaml");
  if (chosen === "json") return parsePolicyJson(text);
  const read = readYaml(text);
  if (!read.ok) return read;
  return validatePolicyDocument(read.value);
}

function readYaml(text: string): ReadDocument {
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
