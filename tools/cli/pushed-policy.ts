// The pushed policy, for the commands that check something against it when no --policy file is
// named (`policy test`, `openapi drift`). Whether it passes today's schema is left to the caller:
// each says so in its own words.

import { readCurrentPolicy, type StoredPolicy } from "../../shared/policy/read-current-policy.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { policyTableFromEnv } from "./cli-storage.js";

/** Throws a CliError when the policy table cannot be read (storage exit) or holds no policy yet. */
export async function pushedPolicy(io: CliIo): Promise<StoredPolicy> {
  let stored: StoredPolicy | undefined;
  try {
    stored = await readCurrentPolicy(policyTableFromEnv(io.env), { storageTimeoutMs: 15_000 });
  } catch (error) {
    // policyTableFromEnv's own refusal (no storage configured) already says what to do.
    if (error instanceof CliError) throw error;
    throw new CliError(`The policy table could not be used: ${(error as Error).message}`, EXIT.storage);
  }
  if (stored === undefined)
    throw new CliError("No policy has been pushed yet; name one with --policy.", EXIT.no);
  return stored;
}
