// The timer's half of the key store: fetch one source's keys from Entra with the gateway's checks
// and write the Table snapshot when it changed (or would look too old), so no gateway instance
// waits on Entra. A failed fetch keeps the stored snapshot and notes the failure on it.

import type { Clock } from "../clock.js";
import type { KeySettings } from "../config/settings.js";
import { messageOf } from "../printable.js";
import { fetchKeySet } from "./fetch-key-set.js";
import { KeyFetchError } from "./key-fetch-error.js";
import { keySetPrint } from "./key-set-print.js";
import type { KeySnapshot, KeySnapshotTable } from "./key-snapshot-table.js";
import { retireRemovedKeys } from "./retired-keys.js";
import type { KeySource } from "./types.js";

/** What one refresh of one source did: reported to logs and telemetry (`onKeyRefresh`). */
export interface KeyRefreshResult {
  type: "key_refresh";
  sourceId: string;
  /** `written`: the snapshot now holds what Entra publishes; `unchanged`: it already did; `failed`: it was kept as it was. */
  outcome: "written" | "unchanged" | "failed";
  /** Keys Entra publishes (after `failed`: the stored snapshot's). */
  keyCount: number;
  /** Kids Entra publishes that the stored snapshot did not. */
  added: string[];
  /** Kids the stored snapshot had that Entra no longer publishes: retired for the grace, then gone. */
  removed: string[];
  /** Kids still usable within the removed-key grace. */
  retired: string[];
  /** How old the stored keys are after this run, in seconds; absent when there are none. */
  snapshotAgeSeconds?: number;
  /** Why the fetch or the write failed. */
  error?: string;
  /** JWKS members refused by the checks, one line each. */
  rejected: string[];
}

export interface RefreshSnapshotDeps {
  /** The authority origin; discovery documents and JWKS must come from it. */
  authority: string;
  algorithms: readonly string[];
  keys: Pick<KeySettings, "fetchTimeoutMs" | "refreshSeconds" | "removedKeyGraceSeconds">;
  table: KeySnapshotTable;
  clock: Clock;
  fetch?: typeof fetch;
  /** Write even when nothing changed (`tollgate keys refresh`): a fresh fetch time makes every instance adopt it. */
  force?: boolean;
}

const kidsOf = (keys: readonly { kid: string }[]) => new Set(keys.map((key) => key.kid));

export async function refreshKeySnapshot(
  source: KeySource,
  deps: RefreshSnapshotDeps,
): Promise<KeyRefreshResult> {
  const now = deps.clock.now();
  const ageOf = (snapshot: KeySnapshot) => Math.max(0, Math.floor((now - snapshot.fetchedAt) / 1000));
  const result = (fields: Omit<KeyRefreshResult, "type" | "sourceId">): KeyRefreshResult => ({
    type: "key_refresh",
    sourceId: source.id,
    ...fields,
  });

  let previous: KeySnapshot | undefined;
  let readFailed = false;
  try {
    previous = await deps.table.read(source.id);
  } catch {
    // Storage trouble: still ask Entra, and let the write say whether storage is back.
    readFailed = true;
  }

  let fetched: Awaited<ReturnType<typeof fetchKeySet>>;
  try {
    fetched = await fetchKeySet(source, {
      authority: deps.authority,
      algorithms: deps.algorithms,
      timeoutMs: deps.keys.fetchTimeoutMs,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
  } catch (error) {
    const message = messageOf(error);
    if (previous !== undefined) {
      // The stored keys stay as they are; every instance reports the failure from this note.
      await deps.table.recordRefreshFailure(source.id, { at: now, error: message }).catch(() => false);
    }
    return result({
      outcome: "failed",
      keyCount: previous?.keys.length ?? 0,
      added: [],
      removed: [],
      retired: (previous?.retired ?? []).map((entry) => entry.key.kid),
      ...(previous ? { snapshotAgeSeconds: ageOf(previous) } : {}),
      error: message,
      rejected: error instanceof KeyFetchError ? [...error.rejected] : [],
    });
  }

  const graceMs = (deps.keys.removedKeyGraceSeconds ?? 0) * 1000;
  const published = retireRemovedKeys(
    previous && { keys: previous.keys, retired: previous.retired ?? [] },
    fetched.keys,
    now,
    graceMs,
  );
  const snapshot: KeySnapshot = {
    issuer: fetched.issuer,
    jwksUri: fetched.jwksUri,
    fetchedAt: now,
    keys: published.keys,
    retired: published.retired,
  };
  const before = kidsOf(previous?.keys ?? []);
  const after = kidsOf(fetched.keys);
  const changes = {
    keyCount: fetched.keys.length,
    added: [...after].filter((kid) => !before.has(kid)),
    removed: [...before].filter((kid) => !after.has(kid)),
    retired: published.retired.map((entry) => entry.key.kid),
    rejected: fetched.rejected,
  };

  // Unchanged keys are still written once the stored copy is half a refresh old, so instances
  // (which refresh what is older than the refresh interval) keep taking it instead of asking Entra.
  const halfRefreshMs = (deps.keys.refreshSeconds * 1000) / 2;
  const unchanged =
    deps.force !== true &&
    previous !== undefined &&
    !readFailed &&
    previous.refreshFailure === undefined &&
    keySetPrint(previous) === keySetPrint(snapshot) &&
    now - previous.fetchedAt < halfRefreshMs;
  if (unchanged && previous !== undefined) {
    return result({ outcome: "unchanged", snapshotAgeSeconds: ageOf(previous), ...changes });
  }

  try {
    await deps.table.write(source.id, snapshot);
  } catch (error) {
    return result({
      outcome: "failed",
      ...(previous ? { snapshotAgeSeconds: ageOf(previous) } : {}),
      error: `could not write the snapshot: ${messageOf(error)}`,
      ...changes,
    });
  }
  return result({ outcome: "written", snapshotAgeSeconds: 0, ...changes });
}
