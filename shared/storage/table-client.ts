// The one TableClient factory. A connection string (Azurite, or an account key) or a table
// endpoint URL used with tollgate's Entra credential (shared/identity: the managed identity in Azure).

import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { azureCredential } from "../identity/azure-credential.js";

export type StorageTarget =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "endpoint"; endpoint: string };

export interface TableClientFactoryOptions {
  /** Retries inside the SDK pipeline; kept low because callers bound every call with a timeout. */
  maxRetries?: number;
  /** For an endpoint URL; default: the credential TOLLGATE_MANAGED_IDENTITY names. */
  credential?: TokenCredential;
}

export type TableClientFactory = (tableName: string) => TableClient;

/** True when the value looks like a table endpoint URL rather than a connection string. */
export function isEndpointUrl(value: string): boolean {
  return /^https?:\/\//i.test(value.trim());
}

export function parseStorageTarget(value: string): StorageTarget {
  const trimmed = value.trim();
  return isEndpointUrl(trimmed)
    ? { kind: "endpoint", endpoint: trimmed.replace(/\/+$/, "") }
    : { kind: "connectionString", connectionString: trimmed };
}

export function createTableClientFactory(
  target: StorageTarget,
  options: TableClientFactoryOptions = {},
): TableClientFactory {
  const clientOptions: TableServiceClientOptions = {
    retryOptions: { maxRetries: options.maxRetries ?? 1, retryDelayInMs: 100, maxRetryDelayInMs: 1000 },
  };
  if (target.kind === "connectionString") {
    // Azurite speaks plain HTTP on loopback; the SDK refuses that unless told.
    const insecure = /DefaultEndpointsProtocol=http;|UseDevelopmentStorage=true|TableEndpoint=http:/i.test(
      target.connectionString,
    );
    return (tableName) =>
      TableClient.fromConnectionString(target.connectionString, tableName, {
        ...clientOptions,
        allowInsecureConnection: insecure,
      });
  }
  // One credential for every table: it caches its token.
  const credential = options.credential ?? azureCredential(process.env);
  return (tableName) => new TableClient(target.endpoint, tableName, credential, clientOptions);
}
