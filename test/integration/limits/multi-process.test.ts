// Four gateway processes, one Azurite: a limit of 100 per window holds across all of them,
// even when one is killed mid-window. Storage calls are counted by a proxy in front of Azurite.

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../tools/cli/run-cli.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { type CountingProxy, startCountingProxy, viaProxy } from "../../support/counting-proxy.js";
import { type LocalHost, startLocalHost } from "../../support/local-host.js";

let azurite: AzuriteHandle;
let proxy: CountingProxy;
let issuer: EntraIssuer;
let backend: EchoBackend;
let gateways: LocalHost[] = [];
let tokens: string[] = [];

const POLICY = {
  version: 1,
  rateLimits: {
    // An hour, and a fresh client app (a fresh budget) per round: a round never waits for a
    // window to start, and a burst slowed down by a busy machine still falls inside one window.
    "per-app": { requests: 100, window: "1h", key: ["clientApp"] },
    "per-app-high": { requests: 5000, window: "1h", key: ["clientApp"] },
  },
  rules: [
    { id: "limited", methods: ["GET"], path: "/limited/**", rateLimit: "per-app" },
    { id: "steady", methods: ["GET"], path: "/steady/**", rateLimit: "per-app-high" },
  ],
};

beforeAll(async () => {
  [azurite, issuer, backend] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: "api://tollgate-limits" }),
    startEchoBackend(),
  ]);
  proxy = await startCountingProxy(azurite.port);
  const env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-limits",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: viaProxy(azurite.connectionString, proxy.port),
    TOLLGATE_BACKEND_URL: backend.url,
    // Four gateways leasing one fresh counter at once on a busy 2-core machine can outlast the
    // default storage timeout, and a strict limit then fails closed (503): right, but not what
    // this test is about, which is how many are admitted when storage does answer.
    TOLLGATE_STORAGE_TIMEOUT_MS: "10000",
  };
  const file = join(tmpdir(), `tollgate-limits-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(POLICY));
  const code = await runCli(["policy", "push", file], {
    env,
    stdout: { write: () => true },
    stderr: process.stderr,
  });
  expect(code).toBe(0);
  gateways = await Promise.all(Array.from({ length: 4 }, () => startLocalHost(env)));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await Promise.allSettled([proxy?.stop(), azurite?.stop(), issuer?.stop(), backend?.stop()]);
});

/** Tokens of one fresh client app (one fresh limit key): distinct tokens, one budget. */
function freshClientTokens(): Promise<string[]> {
  const clientAppId = crypto.randomUUID();
  return Promise.all(
    Array.from({ length: 8 }, () => issuer.mint({ kind: "app", roles: ["worker"], clientAppId })),
  );
}

const HOUR_MS = 3_600_000;

/**
 * Resolves once the hour window has at least a minute left (at once, 59 times in 60), so a
 * burst, however slow a busy machine makes it, counts against one window: a clock condition,
 * not a guessed duration. Returns the window's number.
 */
async function awayFromWindowEnd(): Promise<number> {
  while (HOUR_MS - (Date.now() % HOUR_MS) < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return Math.floor(Date.now() / HOUR_MS);
}

const windowNow = () => Math.floor(Date.now() / HOUR_MS);

/** `total` requests from `concurrency` clients, spread over the live gateways; statuses back. */
async function burst(path: string, total: number, concurrency: number, during?: (sent: number) => void) {
  let sent = 0;
  const statuses: number[] = [];
  const client = async (c: number) => {
    while (sent < total) {
      const n = sent++;
      during?.(n);
      const gateway = gateways[(n + c) % gateways.length] as LocalHost;
      try {
        const response = await fetch(`${gateway.url}${path}`, {
          headers: { authorization: `Bearer ${tokens[n % tokens.length]}` },
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      } catch {
        statuses.push(0); // the gateway was killed: nothing admitted
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, c) => client(c)));
  return statuses;
}

// Each test may wait up to a minute for the window's last minute to pass, and bursts are slow
// on a busy machine: their time limits say so.
describe("strict limits across four gateway processes", () => {
  it("admit at most 100 per window, and at least 95 when demand exceeds it", async () => {
    for (let round = 0; round < 4; round++) {
      tokens = await freshClientTokens();
      const window = await awayFromWindowEnd();
      const statuses = await burst("/limited/x", 500, 40);
      expect(windowNow(), "the burst stayed in one window").toBe(window);
      const admitted = statuses.filter((s) => s === 200).length;
      console.log(`round ${round}: ${admitted} of 500 admitted (limit 100)`);
      expect(admitted, `round ${round}`).toBeLessThanOrEqual(100);
      expect(admitted, `round ${round}`).toBeGreaterThanOrEqual(95);
      expect(statuses.filter((s) => s === 429).length).toBe(500 - admitted);
    }
  }, 120_000);

  it("never exceed the limit when an instance is killed mid-window", async () => {
    for (let round = 0; round < 2; round++) {
      const victim = Math.floor(Math.random() * gateways.length);
      tokens = await freshClientTokens();
      const window = await awayFromWindowEnd();
      const statuses = await burst("/limited/y", 400, 40, (sent) => {
        if (sent === 120) gateways[victim]?.kill();
      });
      expect(windowNow(), "the burst stayed in one window").toBe(window);
      const admitted = statuses.filter((s) => s === 200).length;
      console.log(`kill round ${round}: ${admitted} of 400 admitted (limit 100), gateway ${victim} killed`);
      expect(admitted).toBeLessThanOrEqual(100);
      // The killed process takes its unspent permits with it; the others keep going.
      gateways = gateways.filter((_, i) => i !== victim);
    }
  }, 120_000);

  it("cost at most 0.05 storage calls per admitted request under the limit", async () => {
    tokens = await freshClientTokens();
    proxy.reset();
    const statuses = await burst("/steady/x", 1000, 20);
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBe(1000);
    const calls = proxy.count("Limits");
    console.log(
      `steady: ${calls} storage calls for ${admitted} admitted = ${(calls / admitted).toFixed(4)} per request`,
    );
    expect(calls / admitted).toBeLessThanOrEqual(0.05);
  }, 120_000);
});
