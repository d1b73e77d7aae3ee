// How a policy lies in Table Storage. Each push writes an immutable version (the canonical JSON
// cut into chunks, partition `v_<versionId>`, rows 000, 001, ...) and only then moves the pointer
// (partition `pointer`, row `current`) to it, so a reader sees a whole version or the one before.
// Reads are point reads by key, each bounded by the caller's abort signal.

import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";
import { parseEntity, readEntity, statusOf } from "../storage/entity-table.js";
import type { TableClientFactory } from "../storage/table-client.js";
import { tableName } from "../storage/table-names.js";

export const POINTER_PARTITION = "pointer";
export const POINTER_ROW = "current";
/** Table Storage caps a string property at 64 KiB of UTF-16, about 32k characters. */
export const CHUNK_CHARS = 30_000;

export interface PolicyPointer {
  versionId: string;
  sha256: string;
  chunks: number;
  /** Characters of canonical JSON. */
  length: number;
  /** ISO 8601, when the pointer was moved. */
  updatedAt: string;
  /** Who pushed, as the pushing tool said; informational only. */
  updatedBy?: string;
  etag: string;
}

/** The stored data is not a usable policy version (as opposed to storage being unreachable). */
export class PolicyContentError extends Error {
  override readonly name = "PolicyContentError";
}

/** The table holding the role map for a deployment's table prefix. */
export function policyTableClient(tables: TableClientFactory, tablePrefix: string): TableClient {
  return tables(tableName(tablePrefix, "policy"));
}

export function versionPartition(versionId: string): string {
  return `v_${versionId}`;
}

export function chunkRow(index: number): string {
  return String(index).padStart(3, "0");
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Cuts `text` into chunks without splitting a surrogate pair (a lone half would not survive UTF-8). */
export function splitChunks(text: string, size = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks.length === 0 ? [""] : chunks;
}

const pointerSchema = z.object({
  versionId: z.string().regex(/^[A-Za-z0-9-]{1,80}$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  chunks: z.number().int().min(1).max(999),
  length: z.number().int().min(0),
  updatedAt: z.string(),
  updatedBy: z.string().optional(),
  etag: z.string().min(1),
});

/** The pointer, or undefined when no policy was ever pushed (no entity, or no table). */
export async function readPointer(
  client: TableClient,
  signal: AbortSignal,
): Promise<PolicyPointer | undefined> {
  const entity = await readEntity(client, POINTER_PARTITION, POINTER_ROW, signal);
  if (entity === undefined) return undefined;
  const pointer = parseEntity(pointerSchema, entity);
  if (!pointer.ok)
    throw new PolicyContentError(`the policy pointer entity is unreadable (${pointer.fields})`);
  return pointer.value;
}

const chunkSchema = z.object({ data: z.string() });

/** The version's canonical JSON, checked against the pointer's length and sha256. */
export async function readVersionText(
  client: TableClient,
  pointer: PolicyPointer,
  signal: AbortSignal,
): Promise<string> {
  const partition = versionPartition(pointer.versionId);
  const rows = Array.from({ length: pointer.chunks }, (_, index) => chunkRow(index));
  const parts = await Promise.all(
    rows.map(async (row) => {
      const entity = await readEntity(client, partition, row, signal);
      if (entity === undefined) {
        throw new PolicyContentError(`policy version ${pointer.versionId} has no chunk ${row}`);
      }
      const chunk = parseEntity(chunkSchema, entity);
      if (!chunk.ok)
        throw new PolicyContentError(`policy version ${pointer.versionId} chunk ${row} has no data`);
      return chunk.value.data;
    }),
  );
  const text = parts.join("");
  if (text.length !== pointer.length || sha256Hex(text) !== pointer.sha256) {
    throw new PolicyContentError(`policy version ${pointer.versionId} does not match its sha256`);
  }
  return text;
}

export interface VersionWrite {
  versionId: string;
  text: string;
  sha256: string;
  createdAt: string;
}

/** Writes every chunk in one transaction (one partition), so a version exists whole or not at all. */
export async function writeVersion(
  client: TableClient,
  version: VersionWrite,
  signal: AbortSignal,
): Promise<number> {
  const partitionKey = versionPartition(version.versionId);
  const chunks = splitChunks(version.text);
  if (chunks.length > 99)
    throw new RangeError(`the policy needs ${chunks.length} chunks; at most 99 fit a version`);
  await client.submitTransaction(
    chunks.map((data, index) => [
      "create",
      {
        partitionKey,
        rowKey: chunkRow(index),
        data,
        // The first row describes the version, for listing and pruning.
        ...(index === 0
          ? { chunks: chunks.length, sha256: version.sha256, createdAt: version.createdAt }
          : {}),
      },
    ]),
    { abortSignal: signal },
  );
  return chunks.length;
}

/** Deletes every chunk of a version (one transaction); a version already gone is fine. */
export async function deleteVersion(
  client: TableClient,
  versionId: string,
  chunks: number,
  signal: AbortSignal,
): Promise<void> {
  const partitionKey = versionPartition(versionId);
  try {
    await client.submitTransaction(
      Array.from({ length: chunks }, (_, index) => ["delete", { partitionKey, rowKey: chunkRow(index) }]),
      { abortSignal: signal },
    );
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}
