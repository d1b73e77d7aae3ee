// Tollgate's tables for the CLI, from the storage settings alone (through the same schema and
// messages as the gateway): the CLI must work without the token settings the gateway needs.

import type { TableClient } from "@azure/data-tables";
import { loadStorageSettings, SettingsError } from "../../shared/config/settings.js";
import { policyTableClient } from "../../shared/policy/policy-table.js";
import { createTableClientFactory, type TableClientFactory } from "../../shared/storage/table-client.js";
import { CliError, EXIT } from "./cli-io.js";

/** The table factory and prefix the environment names; a CliError when they are missing or wrong. */
export function tablesFromEnv(env: Record<string, string | undefined>): {
  tables: TableClientFactory;
  prefix: string;
} {
  let settings: ReturnType<typeof loadStorageSettings>;
  try {
    settings = loadStorageSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) throw new CliError(error.problems.join("\n"), EXIT.usage);
    throw error;
  }
  const tables = createTableClientFactory(settings.storage);
  try {
    // The SDK parses a connection string when a client is made: its errors are stack traces.
    tables(`${settings.tablePrefix}Policy`);
  } catch {
    // The value may hold an account key: say what is wrong, never echo it.
    throw new CliError(
      "TOLLGATE_STORAGE is neither a storage connection string nor a table endpoint URL. Example: TOLLGATE_STORAGE=https://mystorage.table.core.windows.net",
      EXIT.usage,
    );
  }
  return { tables, prefix: settings.tablePrefix };
}

export function policyTableFromEnv(env: Record<string, string | undefined>): TableClient {
  const { tables, prefix } = tablesFromEnv(env);
  return policyTableClient(tables, prefix);
}
