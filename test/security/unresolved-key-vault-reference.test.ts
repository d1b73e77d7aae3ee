// An app setting the platform left as `@Microsoft.KeyVault(...)` (identity without access, missing
// secret, closed network) must stop the start. Taken as a value, an unresolved TOLLGATE_GATEWAY_KEY
// would make the reference text, which names a discoverable vault and a documented secret name,
// the key that opens the bypass defence. Loaded as the Functions host loads the app.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../shared/config/settings.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const standIn = fileURLToPath(new URL("../support/functions-host-standin.mjs", import.meta.url));
const base = {
  TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  TOLLGATE_AUDIENCES: "api://tollgate-demo",
  TOLLGATE_STORAGE: "UseDevelopmentStorage=true",
};
const reference = "@Microsoft.KeyVault(VaultName=kv-abc123;SecretName=tollgate-gateway-key)";

describe("an unresolved Key Vault reference", () => {
  it("as TOLLGATE_GATEWAY_KEY stops the Functions app from starting, saying what happened", () => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("TOLLGATE_")),
    );
    const run = spawnSync(process.execPath, [standIn, root], {
      env: { ...clean, ...base, TOLLGATE_GATEWAY_KEY: reference },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("TOLLGATE_GATEWAY_KEY still holds a Key Vault reference");
    expect(run.stderr).toContain("Key Vault Secrets User");
  });

  it.each(["TOLLGATE_GATEWAY_KEY", "TOLLGATE_ASSERTION_KEYS", "TOLLGATE_FRONT_DOOR_ID"])(
    "in %s is refused, never taken as the value",
    (name) => {
      const attempt = () => loadSettings({ ...base, [name]: `  ${reference.toLowerCase()}` });
      expect(attempt).toThrow(SettingsError);
      expect(attempt).toThrow(`${name} still holds a Key Vault reference`);
      // Not the generic parser complaint ("not valid JSON nor a PEM", "not a GUID").
      expect(attempt).not.toThrow(/PEM|GUID/);
    },
  );
});
