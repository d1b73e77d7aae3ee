// Builds the token validator and its key store from settings: the one place these are wired,
// so the Functions app, the local host, the timer and the tests all get the same thing.

import { type Clock, systemClock } from "../clock.js";
import type { Settings } from "../config/settings.js";
import { createKeySnapshotTable } from "../keys/key-snapshot-table.js";
import { KeyStore } from "../keys/key-store.js";
import type { KeyStoreEvent } from "../keys/key-store-events.js";
import { snapshotMacFromAssertionKeys } from "../keys/snapshot-mac.js";
import type { TableClientFactory } from "../storage/table-client.js";
import { TokenValidator } from "./token-validator.js";

export interface TokenValidationParts {
  validator: TokenValidator;
  keyStore: KeyStore;
}

export function createTokenValidator(
  settings: Settings,
  options: {
    tables?: TableClientFactory;
    clock?: Clock;
    fetch?: typeof fetch;
    onKeyEvent?: (event: KeyStoreEvent) => void;
  } = {},
): TokenValidationParts {
  const clock = options.clock ?? systemClock;
  const snapshotTable = options.tables
    ? createKeySnapshotTable({
        tables: options.tables,
        tablePrefix: settings.tablePrefix,
        storageTimeoutMs: settings.storageTimeoutMs,
        algorithms: settings.token.algorithms,
        mac: snapshotMacFromAssertionKeys(settings.assertion.keys),
      })
    : undefined;
  const keyStore = new KeyStore({
    authority: settings.token.authority,
    algorithms: settings.token.algorithms,
    keys: settings.keys,
    snapshotTable,
    clock,
    fetch: options.fetch,
    onEvent: options.onKeyEvent,
  });
  return { validator: new TokenValidator(settings.token, keyStore, clock), keyStore };
}
