// Two gateway processes on one Azurite, 5,000 requests from a handful of callers: the access
// summaries add up exactly to what each caller did per rule and outcome, and each instance wrote
// each partition it touched once (a proxy in front of Azurite counts the real batch requests).

import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccessTable } from "../../../shared/access/access-table.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { runCli } from "../../../tools/cli/run-cli.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { type CountingProxy, startCountingProxy, viaProxy } from "../../support/counting-proxy.js";
import { type LocalHost, startLocalHost } from "../../support/local-host.js";

const AUDIENCE = "api://tollgate-access-2";
const PREFIX = "accesstwo";
const POLICY = {
  version: 1,
  rules: [
    { id: "orders-read", methods: ["GET"], path: "/orders/**", require: { roles: { anyOf: ["reader"] } } },
    { id: "manage", methods: ["GET"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
  ],
};

let azurite: AzuriteHandle;
let proxy: CountingProxy;
let issuer: EntraIssuer;
let backend: EchoBackend;
let gateways: LocalHost[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  [azurite, issuer, backend] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: AUDIENCE }),
    startEchoBackend(),
  ]);
  proxy = await startCountingProxy(azurite.port);
  env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: AUDIENCE,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: viaProxy(azurite.connectionString, proxy.port),
    TOLLGATE_TABLE_PREFIX: PREFIX,
    TOLLGATE_BACKEND_URL: backend.url,
  };
  const file = join(tmpdir(), `tollgate-access-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(POLICY));
  const code = await runCli(["policy", "push", file], {
    env,
    stdout: { write: () => true },
    stderr: process.stderr,
  });
  expect(code).toBe(0);
  gateways = await Promise.all([startLocalHost(env), startLocalHost(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await Promise.allSettled([proxy?.stop(), azurite?.stop(), issuer?.stop(), backend?.stop()]);
});

it("counts 5,000 requests over two instances exactly, with one write per instance and partition", async () => {
  const callers = await Promise.all(
    [["reader"], ["reader", "admin"], ["reader"], ["admin"]].map(async (roles) => {
      const oid = randomUUID();
      return { oid, token: await issuer.mint({ oid, roles }) };
    }),
  );
  const paths = ["/orders/1", "/manage/1"];
  const expected = new Map<string, number>();
  proxy.reset();
  const total = 5_000;
  let next = 0;
  // 16 clients at a time, spread over both gateways.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const i = next++;
        const who = callers[i % callers.length] as { oid: string; token: string };
        const path = paths[Math.floor(i / callers.length) % paths.length] as string;
        const gateway = gateways[i % gateways.length] as LocalHost;
        const response = await fetch(`${gateway.url}${path}`, {
          headers: { authorization: `Bearer ${who.token}` },
        });
        await response.arrayBuffer();
        const rule = path.startsWith("/orders") ? "orders-read" : "manage";
        const key = `${who.oid}|${rule}|${response.status === 200 ? "allow" : `deny${response.status}`}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }),
  );
  // Stopping flushes what each instance holds (well under a minute of traffic: one flush each).
  await Promise.all(gateways.map((g) => g.stop()));

  const { summaries } = await createAccessTable({
    tables: createTableClientFactory(parseStorageTarget(azurite.connectionString)),
    tablePrefix: PREFIX,
    storageTimeoutMs: 5_000,
  }).read({ sinceMs: 0 });
  const counted = new Map<string, number>();
  for (const row of summaries) {
    const key = `${row.callerId}|${row.ruleId}|${row.outcome === "allow" ? "allow" : "deny403"}`;
    counted.set(key, (counted.get(key) ?? 0) + row.count);
  }
  expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
  expect([...counted.values()].reduce((a, b) => a + b, 0)).toBe(total);
  expect(new Set(summaries.map((row) => row.instanceId)).size).toBe(2);
  // One tenant, one day: one partition, so one batch per instance.
  expect(proxy.count("$batch")).toBe(2);
}, 180_000);
