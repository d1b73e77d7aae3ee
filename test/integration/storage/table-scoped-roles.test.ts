// infra grants the app and the operator their data roles table by table, on tables the deployment
// made; such a principal may be refused Create Table on the account. Azurite has no RBAC, so a
// loopback proxy in front of it refuses Create Table (403 AuthorizationPermissionMismatch, as
// Azure answers) and passes everything else: the limiter and `policy push` must still work.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WindowCounterTable } from "../../../shared/limits/window-counter-table.js";
import { pushPolicy } from "../../../shared/policy/push-policy.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type CountingProxy, startCountingProxy, viaProxy } from "../../support/counting-proxy.js";
import { ORDERS_READ_RULE } from "../../support/orders-read-rule.js";

let azurite: AzuriteHandle;
let proxy: CountingProxy;
const CREATE_TABLE = /\/Tables(\?|$)/;

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await startCountingProxy(azurite.port, (method, path) =>
    method === "POST" && CREATE_TABLE.test(path) ? 403 : undefined,
  );
});
afterAll(async () => {
  await proxy?.stop();
  await azurite?.stop();
});

const direct = () =>
  createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 });
const scoped = () =>
  createTableClientFactory(parseStorageTarget(viaProxy(azurite.connectionString, proxy.port)), {
    maxRetries: 0,
  });
const fresh = (kind: string) => `scoped${kind}${Date.now().toString(36)}`;

describe("a principal granted on the tables, not allowed to create tables", () => {
  it("charges rate-limit counters in a table the deployment made", async () => {
    const name = fresh("Limits");
    await direct()(name).createTable();
    const counters = new WindowCounterTable({ client: scoped()(name), storageTimeoutMs: 5_000 });
    proxy.reset();
    expect((await counters.add("caller", 0, (n) => (n < 2 ? 1 : 0))).count).toBe(1);
    expect((await counters.add("caller", 0, (n) => (n < 2 ? 1 : 0))).count).toBe(2);
    expect(proxy.count("/Tables")).toBe(1); // it asked, was refused, and carried on
  });

  it("pushes the role map into the policy table the deployment made", async () => {
    const name = fresh("Policy");
    await direct()(name).createTable();
    const pushed = await pushPolicy(scoped()(name), { version: 1, rules: [ORDERS_READ_RULE] });
    expect(pushed.changed).toBe(true);
  });

  it("still fails, with storage's refusal, when the table is not there", async () => {
    const counters = new WindowCounterTable({ client: scoped()(fresh("Missing")), storageTimeoutMs: 5_000 });
    await expect(counters.add("caller", 0, () => 1)).rejects.toThrow();
  });
});
