// Reads a policy file for validate, push and diff; the extension chooses JSON or YAML.

import { type ParsePolicyResult, type PolicyFormat, parsePolicy } from "../../shared/policy/parse-policy.js";
import { readTextFile } from "./read-text-file.js";

export async function readPolicyFile(
  file: string,
  cwd: string,
  format: PolicyFormat | undefined,
): Promise<ParsePolicyResult> {
  const text = await readTextFile(file, cwd);
  return parsePolicy(text, format ?? formatOf(file));
}

function formatOf(file: string): PolicyFormat | undefined {
  if (/\.json$/i.test(file)) return "json";
  if (/\.ya?ml$/i.test(file)) return "yaml";
  return undefined;
}
