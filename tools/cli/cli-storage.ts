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

/**
 * The storage the environment names, read as the Functions host reads its own: TOLLGATE_STORAGE,
 * else AzureWebJobsStorage, else the identity-based AzureWebJobsStorage__tableServiceUri or
 * __accountName (a table endpoint, signed in with az login).
 */
function storageFrom(env: Record<string, string | undefined>): { value: string; source: string } {
  for (const source of ["TOLLGATE_STORAGE", "AzureWebJobsStorage", "AzureWebJobsStorage__tableServiceUri"]) {
    const value = env[source]?.trim();
    if (value) return { value, source };
  }
  const account = env.AzureWebJobsStorage__accountName?.trim();
  return account
    ? { value: `https://${account}.table.core.windows.net`, source: "AzureWebJobsStorage__accountName" }
    : { value: "", source: "TOLLGATE_STORAGE" };
}

const STORAGE_EXAMPLE =
  "a storage connection string (UseDevelopmentStorage=true for Azurite), or a table endpoint URL such as https://myaccount.table.core.windows.net (signed in with az login)";

/** A factory whose clients can be made: the SDK's own parse errors are stack traces, not messages. */
function checkedFactory(storage: string, source: string, prefix: string): TableClientFactory {
  const target = parseStorageTarget(storage);
  if (target.kind === "endpoint") {
    let url: URL | undefined;
    try {
      url = new URL(target.endpoint);
    } catch {}
    if (!url?.hostname || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw new CliError(`${source} is not a table endpoint URL. Set it to ${STORAGE_EXAMPLE}.`, EXIT.usage);
    }
  }
  const tables = createTableClientFactory(target);
  try {
    tables(`${prefix}Policy`);
  } catch {
    // The value may hold an account key: say what is wrong, never echo it.
    throw new CliError(
      `${source} is neither a storage connection string nor a table endpoint URL. Set it to ${STORAGE_EXAMPLE}.`,
      EXIT.usage,
    );
  }
  return tables;
}

/** The table factory and prefix the environment names; a CliError when they are missing or wrong. */
export function tablesFromEnv(env: Record<string, string | undefined>): {
  tables: TableClientFactory;
  prefix: string;
} {
  // The value may hold an account key: never echo it.
  const { value: storage, source } = storageFrom(env);
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
  return { tables: checkedFactory(storage, source, prefix), prefix };
}

export function policyTableFromEnv(env: Record<string, string | undefined>): TableClient {
  const { tables, prefix } = tablesFromEnv(env);
  return policyTableClient(tables, prefix);
}
