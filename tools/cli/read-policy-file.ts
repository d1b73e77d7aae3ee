// Reads a policy file for validate, push and diff; the extension chooses JSON or YAML.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type ParsePolicyResult, type PolicyFormat, parsePolicy } from "../../shared/policy/parse-policy.js";
import { CliError, EXIT } from "./cli-io.js";

export async function readPolicyFile(
  file: string,
  cwd: string,
  format: PolicyFormat | undefined,
): Promise<ParsePolicyResult> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new CliError(
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      EXIT.usage,
    );
  }
  return parsePolicy(text, format ?? formatOf(file));
}

function formatOf(file: string): PolicyFormat | undefined {
  if (/\.json$/i.test(file)) return "json";
  if (/\.ya?ml$/i.test(file)) return "yaml";
  return undefined;
}
