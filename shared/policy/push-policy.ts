// Publishes a policy: validate, write a new immutable version, then move the pointer to it with
// an ETag-guarded update, and prune old versions.

import { randomBytes } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import { type Clock, systemClock } from "../clock.js";
import { ensureTable, statusOf } from "../storage/entity-table.js";
import { canonicalJson } from "./canonical-json.js";
import { MAX_POLICY_CHARS, parsePolicy, validatePolicyDocument } from "./parse-policy.js";
import {
  chunkRow,
  deleteVersion,
  POINTER_PARTITION,
  POINTER_ROW,
  PolicyContentError,
  type PolicyPointer,
  readPointer,
  sha256Hex,
  writeVersion,
} from "./policy-table.js";

/** The document is not a valid policy; nothing was written. */
export class PolicyValidationError extends Error {
  override readonly name = "PolicyValidationError";
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    super(`the policy is not valid:\n  ${errors.join("\n  ")}`);
    this.errors = errors;
  }
}

/** Someone else moved the pointer while this push was under way; this push changed nothing. */
export class PolicyConflictError extends Error {
  override readonly name = "PolicyConflictError";
}

export interface PushPolicyOptions {
  clock?: Clock;
  /** Bounds each storage call. */
  storageTimeoutMs?: number;
  /** Push only if the current version is this one (what `diff` was run against). */
  ifVersion?: string;
  /** Versions kept after a push, the current one included. */
  keepVersions?: number;
  /** Recorded on the pointer, e.g. "alice@build-agent-7"; never used for decisions. */
  updatedBy?: string;
}

export interface PushPolicyResult {
  /** False when the stored policy was already this document: nothing was written. */
  changed: boolean;
  versionId: string;
  sha256: string;
  chunks: number;
  previousVersionId?: string;
  prunedVersions: string[];
  /** Pruning is housekeeping: its failure does not undo the push, and is reported here. */
  pruneError?: string;
  warnings: string[];
}

export async function pushPolicy(
  client: TableClient,
  document: unknown,
  options: PushPolicyOptions = {},
): Promise<PushPolicyResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.storageTimeoutMs ?? 10_000;
  const signal = () => AbortSignal.timeout(timeoutMs);

  const checked = validatePolicyDocument(document);
  if (!checked.ok) throw new PolicyValidationError(checked.errors);
  let text: string;
  try {
    text = canonicalJson(document);
  } catch (error) {
    throw new PolicyValidationError([(error as Error).message]);
  }
  if (text.length > MAX_POLICY_CHARS) {
    throw new PolicyValidationError([
      `(document): is ${text.length} characters as JSON; at most ${MAX_POLICY_CHARS}`,
    ]);
  }
  // What is stored must load: check the stored form itself, not only the document given.
  const stored = parsePolicy(text, "json");
  if (!stored.ok) throw new PolicyValidationError(stored.errors);
  const sha256 = sha256Hex(text);

  await ensureTable(client, signal());
  let previous: PolicyPointer | undefined;
  let previousEtag: string | undefined;
  try {
    previous = await readPointer(client, signal());
    previousEtag = previous?.etag;
  } catch (error) {
    if (!(error instanceof PolicyContentError)) throw error;
    // A damaged pointer must not block the push that repairs it: replace it, still ETag-guarded.
    previousEtag = (await client.getEntity(POINTER_PARTITION, POINTER_ROW, { abortSignal: signal() })).etag;
  }
  if (options.ifVersion !== undefined && previous?.versionId !== options.ifVersion) {
    throw new PolicyConflictError(
      `the current policy version is ${previous?.versionId ?? "(none)"}, not ${options.ifVersion}; diff again before pushing`,
    );
  }
  if (previous?.sha256 === sha256) {
    return {
      changed: false,
      versionId: previous.versionId,
      sha256,
      chunks: previous.chunks,
      previousVersionId: previous.versionId,
      prunedVersions: [],
      warnings: checked.warnings,
    };
  }

  const now = new Date(clock.now()).toISOString();
  const versionId = newVersionId(now);
  const chunks = await writeVersion(client, { versionId, text, sha256, createdAt: now }, signal());
  const pointer = {
    partitionKey: POINTER_PARTITION,
    rowKey: POINTER_ROW,
    versionId,
    sha256,
    chunks,
    length: text.length,
    updatedAt: now,
    ...(options.updatedBy === undefined ? {} : { updatedBy: options.updatedBy }),
  };
  try {
    if (previousEtag === undefined) await client.createEntity(pointer, { abortSignal: signal() });
    else await client.updateEntity(pointer, "Replace", { etag: previousEtag, abortSignal: signal() });
  } catch (error) {
    const status = statusOf(error);
    if (status !== 409 && status !== 412) throw error;
    await deleteVersion(client, versionId, chunks, signal()).catch(() => undefined);
    throw new PolicyConflictError(
      "another push moved the policy pointer at the same time; this push changed nothing",
    );
  }

  const result: PushPolicyResult = {
    changed: true,
    versionId,
    sha256,
    chunks,
    prunedVersions: [],
    warnings: checked.warnings,
  };
  if (previous) result.previousVersionId = previous.versionId;
  try {
    result.prunedVersions = await pruneVersions(client, versionId, options.keepVersions ?? 5, signal);
  } catch (error) {
    result.pruneError = (error as Error).message;
  }
  return result;
}

/** Sorts by time first, so the newest versions are the last ids; the random part breaks ties. */
function newVersionId(isoTime: string): string {
  return `${isoTime.replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
}

/** Deletes all but the newest `keep` versions; never the one the pointer names. */
async function pruneVersions(
  client: TableClient,
  currentVersionId: string,
  keep: number,
  signal: () => AbortSignal,
): Promise<string[]> {
  const versions: { versionId: string; chunks: number }[] = [];
  const rows = client.listEntities<{ chunks?: unknown }>({
    queryOptions: { filter: odata`RowKey eq ${chunkRow(0)}`, select: ["PartitionKey", "RowKey", "chunks"] },
    abortSignal: signal(),
  });
  for await (const row of rows) {
    const { partitionKey } = row;
    if (partitionKey === undefined || !partitionKey.startsWith("v_")) continue;
    versions.push({
      versionId: partitionKey.slice(2),
      chunks: typeof row.chunks === "number" ? row.chunks : 1,
    });
  }
  versions.sort((a, b) => (a.versionId < b.versionId ? 1 : a.versionId > b.versionId ? -1 : 0));
  const doomed = versions.slice(Math.max(1, keep)).filter((v) => v.versionId !== currentVersionId);
  for (const version of doomed) await deleteVersion(client, version.versionId, version.chunks, signal());
  return doomed.map((v) => v.versionId);
}
