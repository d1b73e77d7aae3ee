// A new instance that starts while Table Storage is not answering (a black hole) has no role map
// and no revocation list: it answers 503 and refuses what needs them. Once storage answers, it
// must recover within seconds, not after a whole refresh interval (30 s for the role map by
// default, up to an hour if configured). Here every interval is set to its longest, so only the
// early retries of a copy that holds nothing can make the instance recover within the wait.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../tools/cli/run-cli.js";
import { eventually, type Stack, startStack } from "../support/attack-stack.js";
import { viaProxy } from "../support/counting-proxy.js";
import { type LocalHost, startLocalHost } from "../support/local-host.js";
import { type Caller, caller } from "./caller.js";
import { startTcpSwitch, type TcpSwitch } from "./tcp-switch.js";

let stack: Stack;
let storage: TcpSwitch;
let host: LocalHost;
let client: Caller;

beforeAll(async () => {
  stack = await startStack({
    TOLLGATE_STORAGE_TIMEOUT_MS: "1000",
    TOLLGATE_POLICY_REFRESH_SECONDS: "3600",
    TOLLGATE_REVOCATIONS_REFRESH_SECONDS: "300",
    TOLLGATE_TENANTS_REFRESH_SECONDS: "300",
  });
  await stack.push({
    version: 1,
    rules: [
      { id: "orders", methods: ["GET"], path: "/orders/**", require: { roles: { anyOf: ["reader"] } } },
    ],
  });
  storage = await startTcpSwitch(stack.azurite.port);
  storage.setMode("blackhole");
  host = await startLocalHost({
    ...stack.env,
    TOLLGATE_STORAGE: viaProxy(stack.azurite.connectionString, storage.port),
  });
  client = caller(host.url, 4);
}, 90_000);

afterAll(async () => {
  await client?.close();
  await host?.stop();
  await storage?.stop();
  await stack?.stop();
});

describe("an instance that starts while storage is not answering", () => {
  it("answers 503 without its role map, then serves within seconds of storage answering", async () => {
    const reader = await stack.issuer.mint({ roles: ["reader"] });
    expect(await client.call("/orders/1", reader)).toBe("503 policy_unavailable");

    // A user revoked while the instance could not read: it must learn of it too.
    const oid = randomUUID();
    const revoked = await stack.issuer.mint({ roles: ["reader"], oid });
    const code = await runCli(["revoke", "user", stack.issuer.defaultTenant, oid, "--reason", "offboarded"], {
      env: { TOLLGATE_STORAGE: stack.env.TOLLGATE_STORAGE as string },
      stdout: { write: () => true },
      stderr: { write: () => true },
    });
    expect(code).toBe(0);

    storage.setMode("pass");
    await eventually(
      async () => (await client.call("/orders/1", reader)) === "200",
      `the role map is read once storage answers\n${host.output()}`,
      60_000,
    );
    await eventually(
      async () => (await client.call("/orders/1", revoked)) === "401 token_revoked",
      `the revocation list is read once storage answers\n${host.output()}`,
      60_000,
    );
  }, 150_000);
});
