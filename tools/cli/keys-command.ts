// `tollgate keys refresh`: fetch Entra's signing keys now and write the Table snapshot without the
// removed-key grace, so a key Entra has withdrawn stops verifying on every instance within one
// snapshot check (TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS) instead of the timer's next run plus grace.

import { systemClock } from "../../shared/clock.js";
import { loadSettings, type Settings, SettingsError } from "../../shared/config/settings.js";
import { createKeySnapshotTable } from "../../shared/keys/key-snapshot-table.js";
import { keySourcesFor } from "../../shared/keys/key-sources.js";
import { refreshKeySnapshot } from "../../shared/keys/refresh-snapshot.js";
import { snapshotMacFromAssertionKeys } from "../../shared/keys/snapshot-mac.js";
import { createTableClientFactory } from "../../shared/storage/table-client.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";

export async function keysRefreshCommand(io: CliIo, options: { fetch?: typeof fetch } = {}): Promise<number> {
  let settings: Settings;
  try {
    // The gateway's own settings: the same tenants, authority, algorithms and assertion keys
    // decide which sources there are and how their snapshots are signed.
    settings = loadSettings(io.env);
  } catch (error) {
    if (error instanceof SettingsError) {
      throw new CliError(`keys refresh needs the gateway's settings: ${error.message}`, EXIT.usage);
    }
    throw error;
  }
  const mac = snapshotMacFromAssertionKeys(settings.assertion.keys);
  if (mac === undefined) {
    io.stderr.write(
      "warning: TOLLGATE_ASSERTION_KEYS is not set here: the snapshot is written without a MAC, and instances that have the key will ignore it\n",
    );
  }
  const table = createKeySnapshotTable({
    tables: createTableClientFactory(settings.storage),
    tablePrefix: settings.tablePrefix,
    storageTimeoutMs: Math.max(settings.storageTimeoutMs, 15_000),
    algorithms: settings.token.algorithms,
    mac,
  });
  let failed = 0;
  for (const source of keySourcesFor(settings.token)) {
    const result = await refreshKeySnapshot(source, {
      authority: settings.token.authority,
      algorithms: settings.token.algorithms,
      // No grace: a key Entra no longer publishes is gone from the snapshot now.
      keys: { ...settings.keys, removedKeyGraceSeconds: 0 },
      table,
      clock: systemClock,
      force: true,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (result.outcome === "failed") {
      failed++;
      io.stderr.write(`${source.id}: not refreshed: ${result.error ?? "unknown error"}\n`);
      continue;
    }
    const removed = result.removed.length > 0 ? `; removed now: ${result.removed.join(", ")}` : "";
    io.stdout.write(`${source.id}: ${result.keyCount} key(s) written${removed}\n`);
  }
  if (failed > 0) return EXIT.storage;
  io.stdout.write(
    `Every instance takes these keys within TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS (${settings.keys.snapshotCheckSeconds ?? "off"} s).\n`,
  );
  return EXIT.ok;
}
