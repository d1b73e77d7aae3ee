// `tollgate policy shadow-report | promote | shadow --clear`: the shadow candidate that
// `policy push --shadow` stored beside the live policy, its differences, and what to do with it.

import { hostname, userInfo } from "node:os";
import type { TableClient } from "@azure/data-tables";
import {
  POINTER_PARTITION,
  POINTER_ROW,
  policyTableClient,
  readPointer,
} from "../../shared/policy/policy-table.js";
import { PolicyConflictError, pushPolicy } from "../../shared/policy/push-policy.js";
import { readCurrentPolicy, type StoredPolicy } from "../../shared/policy/read-current-policy.js";
import { readDifferenceCounts, shadowTableClient } from "../../shared/shadow/shadow-table.js";
import { statusOf } from "../../shared/storage/entity-table.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { tablesFromEnv } from "./cli-storage.js";

const STORAGE_TIMEOUT_MS = 15_000;
const signal = () => AbortSignal.timeout(STORAGE_TIMEOUT_MS);

export function shadowTableFromEnv(env: Record<string, string | undefined>): TableClient {
  const { tables, prefix } = tablesFromEnv(env);
  return shadowTableClient(tables, prefix);
}

export async function shadowReportCommand(options: { json: boolean }, io: CliIo): Promise<number> {
  const client = shadowTableFromEnv(io.env);
  const pointer = await storage(() => readPointer(client, signal()));
  if (pointer === undefined) {
    if (options.json) io.stdout.write("null\n");
    else io.stderr.write("No shadow candidate: push one with `tollgate policy push --shadow <file>`.\n");
    return EXIT.no;
  }
  const counts = await storage(() => readDifferenceCounts(client, pointer.versionId, signal()));
  const total = counts.reduce((sum, row) => sum + row.count, 0);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ versionId: pointer.versionId, pushedAt: pointer.updatedAt, differences: total, counts }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  const out = [
    `shadow candidate ${pointer.versionId}, pushed ${pointer.updatedAt}${pointer.updatedBy ? ` by ${pointer.updatedBy}` : ""}`,
    `${total} request(s) decided differently since (counts are written by each instance at most once a minute)`,
  ];
  if (counts.length > 0) {
    const header = ["count", "live outcome", "shadow outcome", "live rule", "shadow rule"];
    const rows = counts.map((c) => [
      String(c.count),
      c.liveOutcome,
      c.shadowOutcome,
      c.liveRule,
      c.shadowRule,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
    const line = (cells: string[]) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join("  ")
        .trimEnd();
    out.push(line(header), ...rows.map(line));
  }
  io.stdout.write(`${out.join("\n")}\n`);
  return EXIT.ok;
}

/** Makes the candidate live (ETag-guarded, as push is), then removes it as the shadow. */
export async function promoteCommand(options: { ifVersion?: string }, io: CliIo): Promise<number> {
  const { tables, prefix } = tablesFromEnv(io.env);
  const shadow = shadowTableClient(tables, prefix);
  const candidate: StoredPolicy | undefined = await storage(() =>
    readCurrentPolicy(shadow, { storageTimeoutMs: STORAGE_TIMEOUT_MS }),
  );
  if (candidate === undefined) throw new CliError("No shadow candidate to promote.", EXIT.no);
  let result: Awaited<ReturnType<typeof pushPolicy>>;
  try {
    result = await pushPolicy(policyTableClient(tables, prefix), JSON.parse(candidate.text), {
      storageTimeoutMs: STORAGE_TIMEOUT_MS,
      ...(options.ifVersion === undefined ? {} : { ifVersion: options.ifVersion }),
      ...whoami(),
    });
  } catch (error) {
    if (error instanceof PolicyConflictError) throw new CliError(`Not promoted: ${error.message}.`, EXIT.no);
    throw storageError(error);
  }
  io.stdout.write(
    `Promoted shadow candidate ${candidate.pointer.versionId}: live policy version ${result.versionId}${result.changed ? "" : " (already live)"}.\n`,
  );
  // Only the candidate that was promoted is removed; a newer one pushed meanwhile stays.
  if (!(await removePointer(shadow, candidate.pointer.etag))) {
    io.stderr.write("warning: a newer shadow candidate was pushed meanwhile; it was left in place.\n");
  }
  return EXIT.ok;
}

export async function clearShadowCommand(io: CliIo): Promise<number> {
  const shadow = shadowTableFromEnv(io.env);
  const pointer = await storage(() => readPointer(shadow, signal()));
  if (pointer === undefined) {
    io.stdout.write("No shadow candidate; nothing to clear.\n");
    return EXIT.ok;
  }
  if (!(await removePointer(shadow, pointer.etag))) {
    throw new CliError("Not cleared: another candidate was pushed meanwhile; look again.", EXIT.no);
  }
  io.stdout.write(
    `Cleared shadow candidate ${pointer.versionId}; instances stop evaluating it at their next refresh.\n`,
  );
  return EXIT.ok;
}

/** False when the pointer moved since it was read (412). */
async function removePointer(client: TableClient, etag: string): Promise<boolean> {
  try {
    await client.deleteEntity(POINTER_PARTITION, POINTER_ROW, { etag, abortSignal: signal() });
    return true;
  } catch (error) {
    if (statusOf(error) === 412) return false;
    if (statusOf(error) === 404) return true;
    throw storageError(error);
  }
}

async function storage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw storageError(error);
  }
}

function storageError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError(
    `The shadow table could not be used: ${error instanceof Error ? error.message : String(error)}`,
    EXIT.storage,
  );
}

function whoami(): { updatedBy?: string } {
  try {
    return { updatedBy: `${userInfo().username}@${hostname()}` };
  } catch {
    return {};
  }
}
