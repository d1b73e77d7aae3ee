// Reads a file an operator named on the command line. Every command that reads one says the
// same thing when it cannot (usage exit, the errno code), so a script can rely on the wording.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CliError, EXIT } from "./cli-io.js";

/** The file's text; `file` is relative to `cwd`. Throws a usage CliError when it cannot be read. */
export async function readTextFile(file: string, cwd: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new CliError(
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      EXIT.usage,
    );
  }
}
