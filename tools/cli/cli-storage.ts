// Tollgate's tables for the CLI, from two environment variables only: the CLI must work without
// the token settings the gateway needs.

import type { TableClient } from "@azure/data-tables";
import { policyTableClient } from "../../shared/policy/index.js";
import {
  createTableClientFactory,
  parseStorageTarget,
  type TableClientFactory,
} from "../../shared/storage/table-client.js";
import { CliError, EXIT } from "./cli-io.js";

const PREFIX = /^[A-Za-z][A-Za-z0-9]{2,40}$/;

/** The table factory and prefix the environment names; a CliError when they are missing or wrong. */
export function tablesFromEnv(env: Record<string, string | undefined>): {
  tables: TableClientFactory;
  prefix: string;
} {
  // The value may hold an account key: never echo it.
  const storage = (env.TOLLGATE_STORAGE ?? env.AzureWebJobsStorage ?? "").trim();
  if (storage === "") {
    throw new CliError(
      "TOLLGATE_STORAGE is not set (nor AzureWebJobsStorage). Set it to a storage connection string, or to a " +
        "table endpoint URL such as https://myaccount.table.core.windows.net (signed in with az login).",
      EXIT.usage,
    );
  }
  const prefix = env.TOLLGATE_TABLE_PREFIX?.trim() || "tollgate";
  if (!PREFIX.test(prefix)) {
    throw new CliError(
      `TOLLGATE_TABLE_PREFIX '${prefix}' must be 3 to 41 letters and digits, starting with a letter (default: tollgate).`,
      EXIT.usage,
    );
  }
  return { tables: createTableClientFactory(parseStorageTarget(storage)), prefix };
}

export function policyTableFromEnv(env: Record<string, string | undefined>): TableClient {
  const { tables, prefix } = tablesFromEnv(env);
  return policyTableClient(tables, prefix);
}
