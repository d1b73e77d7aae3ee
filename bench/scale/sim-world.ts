// The world a scenario starts from: settings from the real schema (every default as a user gets
// it), a simulated account holding a role map pushed by the real `policy push` code and a key
// snapshot written by the real timer job from an Entra-shaped key set.

import { exportJWK, generateKeyPair } from "jose";
import { loadSettings, type Settings } from "../../shared/config/settings.js";
import { createKeySnapshotTable } from "../../shared/keys/key-snapshot-table.js";
import { keySourcesFor } from "../../shared/keys/key-sources.js";
import { refreshKeySnapshot } from "../../shared/keys/refresh-snapshot.js";
import { policyTableClient } from "../../shared/policy/policy-table.js";
import { pushPolicy } from "../../shared/policy/push-policy.js";
import type { TableClientFactory } from "../../shared/storage/table-client.js";
import type { SimTime } from "./sim-time.js";

export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const AUTHORITY = "https://login.microsoftonline.com";

export function simSettings(overrides: Record<string, string> = {}): Settings {
  return loadSettings({
    TOLLGATE_TENANTS: TENANT,
    TOLLGATE_AUDIENCES: "api://tollgate-scale",
    TOLLGATE_STORAGE: "UseDevelopmentStorage=true",
    TOLLGATE_BACKEND_URL: "https://backend.example",
    ...overrides,
  });
}

const POLICY = {
  version: 1,
  rules: [{ id: "rule", methods: ["GET"], path: "/**" }],
};

/** An Entra-shaped discovery document and key set, served without a network. */
async function entraFetch(): Promise<typeof fetch> {
  const { publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "scale-key", use: "sig" };
  return (async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = url.endsWith("openid-configuration")
      ? { issuer: `${AUTHORITY}/${TENANT}/v2.0`, jwks_uri: `${AUTHORITY}/${TENANT}/discovery/v2.0/keys` }
      : { keys: [jwk] };
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  }) as typeof fetch;
}

/** Pushes the role map and writes the key snapshot, as an operator and the timer would. */
export async function seedWorld(
  settings: Settings,
  tables: TableClientFactory,
  time: SimTime,
): Promise<void> {
  await pushPolicy(policyTableClient(tables, settings.tablePrefix), POLICY, {
    clock: time,
    storageTimeoutMs: settings.storageTimeoutMs,
  });
  const table = createKeySnapshotTable({
    tables,
    tablePrefix: settings.tablePrefix,
    storageTimeoutMs: settings.storageTimeoutMs,
    algorithms: settings.token.algorithms,
  });
  const fetch = await entraFetch();
  for (const source of keySourcesFor(settings.token)) {
    const result = await refreshKeySnapshot(source, {
      authority: settings.token.authority,
      algorithms: settings.token.algorithms,
      keys: settings.keys,
      table,
      clock: time,
      fetch,
    });
    if (result.error !== undefined) throw new Error(`seeding the key snapshot failed: ${result.error}`);
  }
}
