// Pushes a role map as an operator does, `tollgate policy push <file>`, for the tests that start a
// gateway on it: through the CLI rather than pushPolicy, so those tests also cover the command.

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../tools/cli/run-cli.js";

let pushes = 0;

/** Writes `document` to a temporary file and pushes it with `env`; throws with the CLI's errors. */
export async function pushWithCli(env: Record<string, string>, document: object): Promise<void> {
  const file = join(tmpdir(), `tollgate-policy-${process.pid}-${Date.now()}-${pushes++}.json`);
  writeFileSync(file, JSON.stringify(document));
  const errors: string[] = [];
  const code = await runCli(["policy", "push", file], {
    env,
    stdout: { write: () => true },
    stderr: { write: (text: string) => errors.push(text) > 0 },
  });
  if (code !== 0) throw new Error(`policy push failed (exit ${code}): ${errors.join("")}`);
}
