// The Table Storage settings: which account (a connection string, or an endpoint used with
// managed identity), the table prefix and the timeout of one call. The CLI reads these alone.

import { z } from "zod";
import { parseStorageTarget, type StorageTarget } from "../storage/table-client.js";
import { type Env, fieldsOf, parseSettings, setting, valuesOf } from "./parse-settings.js";
import { ex, wholeNumber } from "./setting-values.js";

export interface StorageSettings {
  storage: StorageTarget;
  tablePrefix: string;
  storageTimeoutMs: number;
}

// The storage value may hold an account key: never echo it back in a message.
const storage = z
  .string({ error: `is required (or set AzureWebJobsStorage). ${ex("TOLLGATE_STORAGE")}` })
  .transform((raw, ctx) => {
    const value = raw.trim();
    if (value === "") {
      ctx.addIssue({ code: "custom", message: `is empty. ${ex("TOLLGATE_STORAGE")}` });
      return z.NEVER;
    }
    const target = parseStorageTarget(value);
    if (target.kind === "endpoint") {
      try {
        new URL(target.endpoint);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: `is not a valid table endpoint URL. ${ex("TOLLGATE_STORAGE")}`,
        });
        return z.NEVER;
      }
    } else if (
      !/UseDevelopmentStorage=true|AccountName=|TableEndpoint=|SharedAccessSignature=/i.test(value)
    ) {
      ctx.addIssue({
        code: "custom",
        message: `is neither a storage connection string nor a table endpoint URL. ${ex("TOLLGATE_STORAGE")}`,
      });
      return z.NEVER;
    }
    return target;
  });

const tablePrefix = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  if (/^[A-Za-z][A-Za-z0-9]{2,40}$/.test(value)) return value;
  ctx.addIssue({
    code: "custom",
    message: `'${raw}' must be 3 to 41 letters and digits, starting with a letter. ${ex("TOLLGATE_TABLE_PREFIX")}`,
  });
  return z.NEVER;
});

export const storageSpec = {
  storage: setting("TOLLGATE_STORAGE", () => storage),
  tablePrefix: setting("TOLLGATE_TABLE_PREFIX", () => tablePrefix.default("tollgate")),
  storageTimeoutMs: setting("TOLLGATE_STORAGE_TIMEOUT_MS", wholeNumber(100, 60_000, 2000)),
} as const;

/** The storage setting falls back to what the Functions host itself uses. */
export function storageFromHost(env: Env): string | undefined {
  if (env.AzureWebJobsStorage) return env.AzureWebJobsStorage;
  // Identity-based host storage: AzureWebJobsStorage__accountName (or __tableServiceUri).
  if (env.AzureWebJobsStorage__tableServiceUri) return env.AzureWebJobsStorage__tableServiceUri;
  if (env.AzureWebJobsStorage__accountName) {
    return `https://${env.AzureWebJobsStorage__accountName}.table.core.windows.net`;
  }
  return undefined;
}

export const storageFallbacks = { TOLLGATE_STORAGE: storageFromHost };

/**
 * The storage settings alone, with the same rules and messages as loadSettings: the CLI works on
 * the tables without the token settings the gateway needs.
 */
export function loadStorageSettings(env: Env = process.env): StorageSettings {
  return valuesOf(storageSpec, parseSettings(z.object(fieldsOf(storageSpec)), env, storageFallbacks));
}
