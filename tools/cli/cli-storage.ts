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
  try {
    const settings = loadStorageSettings(env);
    return { tables: createTableClientFactory(settings.storage), prefix: settings.tablePrefix };
  } catch (error) {
    if (error instanceof SettingsError) throw new CliError(error.problems.join("\n"), EXIT.usage);
    throw error;
  }
}

export function policyTableFromEnv(env: Record<string, string | undefined>): TableClient {
  const { tables, prefix } = tablesFromEnv(env);
  return policyTableClient(tables, prefix);
}
