// `tollgate policy import-apim <policy.xml>`: the role map on stdout (YAML, ready for
// `> policy.yaml` and `tollgate policy validate`), the settings and what was not converted on
// stderr. Exit 0 when the result validates (with or without things left over), 1 when it does not.

import { stringify } from "yaml";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import { CliError, type CliIo, EXIT } from "../cli-io.js";
import { readTextFile } from "../read-text-file.js";
import { ApimPolicyError, convertApimPolicy } from "./convert-apim-policy.js";

export async function importApimCommand(options: { file: string }, io: CliIo): Promise<number> {
  const xml = await readTextFile(options.file, io.cwd ?? process.cwd());
  let conversion: ReturnType<typeof convertApimPolicy>;
  try {
    conversion = convertApimPolicy(xml);
  } catch (error) {
    if (error instanceof ApimPolicyError) throw new CliError(`${options.file}: ${error.message}`, EXIT.usage);
    throw error;
  }
  const yaml = `# Converted by tollgate policy import-apim from ${options.file}\n${stringify(conversion.policy)}`;
  io.stdout.write(yaml);
  const settings = Object.entries(conversion.settings);
  io.stderr.write(
    settings.length > 0
      ? `Settings:\n${settings.map(([name, value]) => `  ${name}=${value}`).join("\n")}\n`
      : "Settings: none could be read from the policy (TOLLGATE_TENANTS and TOLLGATE_AUDIENCES are required).\n",
  );
  if (conversion.notConverted.length > 0)
    io.stderr.write(
      `Not converted (${conversion.notConverted.length}):\n${conversion.notConverted.map((line) => `  - ${line}`).join("\n")}\n`,
    );
  const check = parsePolicy(yaml, "yaml");
  if (!check.ok) {
    io.stderr.write(
      `The converted role map does not validate:\n${check.errors.map((e: string) => `  ${e}`).join("\n")}\n`,
    );
    return EXIT.no;
  }
  return EXIT.ok;
}
