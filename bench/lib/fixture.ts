// The world every target runs in: Azurite, the loopback Entra-shaped issuer, the role map pushed
// to Table Storage, and a pool of distinct valid tokens. The issuer lives in this process (it
// holds the signing key the tokens are minted with); it is only asked for metadata at start.

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAssertionKey } from "../../shared/forward/assertion-keys.js";
import { runCli } from "../../tools/cli/run-cli.js";
import { type AzuriteHandle, startAzurite } from "../../tools/loopback/azurite.js";
import { EntraIssuer } from "../../tools/loopback/entra-issuer.js";

export const AUDIENCE = "api://tollgate-bench";
export const ROLE = "reader";
/** Far above anything the benchmark sends: the limiter's cost is measured, never a refusal. */
export const LIMIT = 1_000_000_000;
/** The path every target is asked for; the role map's only rule covers it. */
export const PATH_PREFIX = "/orders/";

export const POLICY = {
  version: 1,
  rateLimits: {
    bench: { requests: LIMIT, window: "1h", key: ["tenant", "clientApp"], mode: "strict" },
  },
  rules: [
    {
      id: "orders-read",
      methods: ["GET"],
      path: "/orders/**",
      require: { roles: { anyOf: [ROLE] } },
      rateLimit: "bench",
    },
  ],
};

export interface Fixture {
  azurite: AzuriteHandle;
  issuer: EntraIssuer;
  tokens: string[];
  assertionKey: string;
  /** The settings of a tollgate instance whose tables start with `prefix`. */
  tollgateEnv(prefix: string, backendUrl: string): Record<string, string>;
  /** Pushes the role map to the tables under `prefix`, as `tollgate policy push` does. */
  pushPolicy(prefix: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startFixture(poolSize: number): Promise<Fixture> {
  const [azurite, issuer] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: AUDIENCE }),
  ]);
  // Distinct users (oid), so every token differs in its claims and its signature.
  const tokens = await Promise.all(
    Array.from({ length: poolSize }, () => issuer.mint({ oid: crypto.randomUUID(), roles: [ROLE] })),
  );
  const assertionKey = generateAssertionKey();
  const tollgateEnv = (prefix: string, backendUrl: string): Record<string, string> => ({
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: AUDIENCE,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: prefix,
    TOLLGATE_BACKEND_URL: backendUrl,
    TOLLGATE_ASSERTION_KEYS: assertionKey,
  });
  return {
    azurite,
    issuer,
    tokens,
    assertionKey,
    tollgateEnv,
    async pushPolicy(prefix) {
      const file = join(tmpdir(), `tollgate-bench-policy-${process.pid}-${prefix}.json`);
      writeFileSync(file, JSON.stringify(POLICY));
      const errors: string[] = [];
      const code = await runCli(["policy", "push", file], {
        env: { TOLLGATE_STORAGE: azurite.connectionString, TOLLGATE_TABLE_PREFIX: prefix },
        stdout: { write: () => true },
        stderr: { write: (text: string) => errors.push(text) > 0 },
      });
      if (code !== 0) throw new Error(`policy push to '${prefix}' failed (${code}): ${errors.join("")}`);
    },
    async stop() {
      await Promise.allSettled([azurite.stop(), issuer.stop()]);
    },
  };
}

/** A table prefix no earlier run used: letters and digits only, as table names require. */
export function freshPrefix(label: string): string {
  return `bench${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
