// Last-known-good key sets in Table Storage, one entity per key source, so a cold instance can
// verify tokens without waiting on Entra. Point reads and writes only, each bounded in time.

import { z } from "zod";
import { type EntityTableOptions, openEntityTable, parseEntity, statusOf } from "../storage/entity-table.js";
import type { RetiredKey } from "./retired-keys.js";
import type { SnapshotMac } from "./snapshot-mac.js";
import type { ValidatedJwk } from "./types.js";
import { validateJwk } from "./validate-jwk.js";

export interface KeySnapshot {
  /** The discovery document's issuer; may hold the `{tenantid}` template. */
  issuer: string;
  jwksUri: string;
  /** When these keys were fetched from Entra (ms since epoch). */
  fetchedAt: number;
  keys: readonly ValidatedJwk[];
  /** Keys Entra no longer publishes, still within the removed-key grace. */
  retired?: readonly RetiredKey[];
  /**
   * The timer's last refresh failed after these keys were fetched: they are kept, and instances
   * report the failure. Cleared by the next successful write.
   */
  refreshFailure?: { at: number; error: string };
}

export interface KeySnapshotTable {
  /**
   * The snapshot for a source, or undefined when there is none. A snapshot that cannot be read
   * back (corrupt, or no key passes today's checks) counts as none and is told to `onProblem`;
   * so is each key skipped from an otherwise good snapshot. Storage failures throw.
   */
  read(sourceId: string, onProblem?: (problem: string) => void): Promise<KeySnapshot | undefined>;
  /** Replaces the source's snapshot, creating the table when it is missing. */
  write(sourceId: string, snapshot: KeySnapshot): Promise<void>;
  /**
   * Notes on the stored snapshot that a refresh failed, leaving its keys and `fetchedAt` as they
   * are. False when there is no snapshot to note it on.
   */
  recordRefreshFailure(sourceId: string, failure: { at: number; error: string }): Promise<boolean>;
}

export interface KeySnapshotTableOptions extends EntityTableOptions {
  /** Stored keys are checked again on the way in: the table is outside this process's control. */
  algorithms: readonly string[];
  /**
   * With it, every snapshot written carries a MAC and one without a valid MAC is ignored: a key
   * planted by someone who can write the table but does not hold the gateway's secret is never used.
   */
  mac?: SnapshotMac | undefined;
}

const ROW_KEY = "current";

const entitySchema = z.object({
  issuer: z.string().min(1),
  jwksUri: z.string().min(1),
  fetchedAt: z.number().nonnegative(),
  keys: z.string(),
  retired: z.string().optional(),
  refreshError: z.string().optional(),
  refreshFailedAt: z.number().optional(),
  mac: z.string().optional(),
});

/** What the MAC covers: everything that decides which keys verify tokens, and for which source. */
function macFields(
  sourceId: string,
  e: { issuer: string; jwksUri: string; fetchedAt: number; keys: string; retired?: string | undefined },
) {
  return [sourceId, e.issuer, e.jwksUri, e.fetchedAt, e.keys, e.retired ?? ""];
}

const retiredSchema = z.object({ key: z.unknown(), removedAt: z.number().nonnegative() });

function parseKeys(json: string): unknown[] | undefined {
  try {
    const keys: unknown = JSON.parse(json);
    return Array.isArray(keys) ? keys : undefined;
  } catch {
    return undefined;
  }
}

export function createKeySnapshotTable(options: KeySnapshotTableOptions): KeySnapshotTable {
  const table = openEntityTable(options, "keys");
  const name = table.name;

  async function read(
    sourceId: string,
    onProblem?: (problem: string) => void,
  ): Promise<KeySnapshot | undefined> {
    const entity = await table.read(sourceId, ROW_KEY);
    if (entity === undefined) return undefined;
    const parsed = parseEntity(entitySchema, entity);
    if (!parsed.ok) {
      onProblem?.(`snapshot ${name}/${sourceId} is unreadable (${parsed.fields}); ignored`);
      return undefined;
    }
    const fields = parsed.value;
    if (options.mac && !options.mac.verify(macFields(sourceId, fields), fields.mac ?? "")) {
      onProblem?.(
        `snapshot ${name}/${sourceId} has no valid MAC (it was not written with this deployment's TOLLGATE_ASSERTION_KEYS); ignored`,
      );
      return undefined;
    }
    const stored = parseKeys(fields.keys);
    if (stored === undefined) {
      onProblem?.(`snapshot ${name}/${sourceId} keys are not a JSON array; ignored`);
      return undefined;
    }
    const keys: ValidatedJwk[] = [];
    for (const key of stored) {
      const result = validateJwk(key, options.algorithms);
      if (result.ok) keys.push(result.jwk);
      else onProblem?.(`snapshot ${name}/${sourceId} ${result.problem}; skipped`);
    }
    if (keys.length === 0) {
      onProblem?.(`snapshot ${name}/${sourceId} has no usable key; ignored`);
      return undefined;
    }
    const snapshot: KeySnapshot = {
      issuer: fields.issuer,
      jwksUri: fields.jwksUri,
      fetchedAt: fields.fetchedAt,
      keys,
    };
    const retired = readRetired(fields.retired, (problem) =>
      onProblem?.(`snapshot ${name}/${sourceId} ${problem}`),
    );
    if (retired.length > 0) snapshot.retired = retired;
    const { refreshError, refreshFailedAt } = fields;
    if (refreshError !== undefined && refreshFailedAt !== undefined) {
      snapshot.refreshFailure = { at: refreshFailedAt, error: refreshError };
    }
    return snapshot;
  }

  function readRetired(json: string | undefined, onProblem: (problem: string) => void): RetiredKey[] {
    if (json === undefined) return [];
    const entries = parseKeys(json);
    if (entries === undefined) {
      onProblem("retired keys are not a JSON array; none kept");
      return [];
    }
    const retired: RetiredKey[] = [];
    for (const entry of entries) {
      const parsed = retiredSchema.safeParse(entry);
      const result = parsed.success ? validateJwk(parsed.data.key, options.algorithms) : undefined;
      if (parsed.success && result?.ok) retired.push({ key: result.jwk, removedAt: parsed.data.removedAt });
      else onProblem(`retired key skipped (${result && !result.ok ? result.problem : "malformed entry"})`);
    }
    return retired;
  }

  async function write(sourceId: string, snapshot: KeySnapshot): Promise<void> {
    const entity = {
      partitionKey: sourceId,
      rowKey: ROW_KEY,
      issuer: snapshot.issuer,
      jwksUri: snapshot.jwksUri,
      // Typed explicitly, so the service never has to guess Int32, Int64 or Double for a timestamp.
      fetchedAt: { value: snapshot.fetchedAt, type: "Double" as const },
      keys: JSON.stringify(snapshot.keys),
      retired: JSON.stringify(snapshot.retired ?? []),
    };
    const signed = options.mac
      ? {
          ...entity,
          mac: options.mac.sign(macFields(sourceId, { ...entity, fetchedAt: snapshot.fetchedAt })),
        }
      : entity;
    await table.replace(signed);
  }

  async function recordRefreshFailure(
    sourceId: string,
    failure: { at: number; error: string },
  ): Promise<boolean> {
    const entity = {
      partitionKey: sourceId,
      rowKey: ROW_KEY,
      refreshError: failure.error,
      refreshFailedAt: { value: failure.at, type: "Double" as const },
    };
    try {
      // Merge, and only onto an existing entity: the keys and their fetch time stay untouched.
      await table.client().updateEntity(entity, "Merge", { abortSignal: table.signal() });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  return { read, write, recordRefreshFailure };
}
