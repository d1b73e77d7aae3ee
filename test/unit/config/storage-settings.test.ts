// The storage settings read alone (the CLI's way in): the same schema and messages as the
// gateway's settings, without the token settings the CLI does not need.

import { describe, expect, it } from "vitest";
import { loadSettings, loadStorageSettings, SettingsError } from "../../../shared/config/settings.js";

const AZURITE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

describe("loadStorageSettings", () => {
  it("reads storage, prefix and timeout with no token settings, as loadSettings reads them", () => {
    const env = { TOLLGATE_STORAGE: AZURITE, TOLLGATE_TABLE_PREFIX: "ops1" };
    const alone = loadStorageSettings(env);
    expect(alone).toEqual({ storage: expect.any(Object), tablePrefix: "ops1", storageTimeoutMs: 2000 });
    const full = loadSettings({ ...env, TOLLGATE_TENANTS: "*", TOLLGATE_AUDIENCES: "api://x" });
    expect(alone.storage).toEqual(full.storage);
  });

  it("falls back to the host's identity-based storage", () => {
    const settings = loadStorageSettings({ AzureWebJobsStorage__accountName: "contoso" });
    expect(settings.storage).toEqual({
      kind: "endpoint",
      endpoint: "https://contoso.table.core.windows.net",
    });
  });

  it("refuses a wrong prefix and a missing account with the schema's messages, never an account key", () => {
    let error: unknown;
    try {
      loadStorageSettings({ TOLLGATE_STORAGE: "AccountKey=c2VjcmV0LWtleQ==", TOLLGATE_TABLE_PREFIX: "a-b" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems;
    expect(problems[0]).toMatch(/^TOLLGATE_STORAGE is neither a storage connection string/);
    expect(problems[1]).toMatch(/^TOLLGATE_TABLE_PREFIX 'a-b' must be 3 to 41 letters/);
    expect(problems.join("\n")).not.toContain("c2VjcmV0LWtleQ==");
    expect(() => loadStorageSettings({})).toThrow(
      /TOLLGATE_STORAGE is required \(or set AzureWebJobsStorage\)/,
    );
  });
});
