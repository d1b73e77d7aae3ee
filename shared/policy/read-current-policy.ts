// Reads the current stored policy back whole, for the CLI (`show`, `diff`). The gateway's
// instances use PolicyStore instead, which keeps the last good copy when a read goes wrong.

import type { TableClient } from "@azure/data-tables";
import { type ParsePolicyResult, parsePolicy } from "./parse-policy.js";
import { type PolicyPointer, readPointer, readVersionText } from "./policy-table.js";

export interface StoredPolicy {
  pointer: PolicyPointer;
  /** The stored canonical JSON. */
  text: string;
  /** Validated with today's schema; a stored version may predate (or postdate) it. */
  parsed: ParsePolicyResult;
}

/** The current stored policy, or undefined when none was pushed. Throws on storage trouble. */
export async function readCurrentPolicy(
  client: TableClient,
  options: { storageTimeoutMs?: number } = {},
): Promise<StoredPolicy | undefined> {
  const timeoutMs = options.storageTimeoutMs ?? 10_000;
  const pointer = await readPointer(client, AbortSignal.timeout(timeoutMs));
  if (pointer === undefined) return undefined;
  const text = await readVersionText(client, pointer, AbortSignal.timeout(timeoutMs));
  return { pointer, text, parsed: parsePolicy(text, "json") };
}
