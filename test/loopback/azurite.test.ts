import { createServer } from "node:net";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AzuriteHandle, startAzurite } from "../../tools/loopback/azurite.js";
import { freePort } from "../../tools/loopback/ports.js";

// Table names need 3 to 63 characters, so "t1" would be refused.
function table(azurite: AzuriteHandle, name: string): TableClient {
  // No retries: a refused connection should surface at once, not after the SDK's backoff.
  return TableClient.fromConnectionString(azurite.connectionString, name, {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
}

describe("freePort", () => {
  it("returns a loopback port that can be listened on", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65_536);
  });
});

describe("startAzurite", () => {
  let azurite: AzuriteHandle;

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  it("serves Table Storage through the connection string", async () => {
    expect(azurite.connectionString).toBe(
      "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        `TableEndpoint=http://127.0.0.1:${azurite.port}/devstoreaccount1;`,
    );
    const t1 = table(azurite, "tbl1");
    await t1.createTable();
    await t1.upsertEntity({ partitionKey: "p", rowKey: "r", count: 1 });
    await t1.upsertEntity({ partitionKey: "p", rowKey: "r", count: 2 }, "Replace");
    const entity = await t1.getEntity<{ count: number }>("p", "r");
    expect(entity.count).toBe(2);
  });

  it("stops, refuses connections, and restarts empty on the same port", async () => {
    const port = azurite.port;
    await azurite.stop();
    await azurite.stop(); // idempotent
    await expect(table(azurite, "tbl1").getEntity("p", "r")).rejects.toThrow();

    await azurite.restart();
    expect(azurite.port).toBe(port);
    const t2 = table(azurite, "tbl2");
    await t2.createTable();
    await t2.upsertEntity({ partitionKey: "p", rowKey: "r", ok: true });
    expect((await t2.getEntity<{ ok: boolean }>("p", "r")).ok).toBe(true);
    // In-memory data does not survive a restart.
    await expect(table(azurite, "tbl1").getEntity("p", "r")).rejects.toMatchObject({ statusCode: 404 });
  });

  it("restart() while running stops first", async () => {
    await azurite.restart();
    await table(azurite, "tbl3").createTable();
  });
});

describe("startAzurite failures", () => {
  it("starts on another free port when another process takes its first one", async () => {
    // The race freePort() leaves open, made certain: the first port handed out is already taken.
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const taken = (squatter.address() as { port: number }).port;
    const ports = [taken];
    const azurite = await startAzurite(async () => ports.shift() ?? freePort());
    try {
      expect(ports).toEqual([]);
      expect(azurite.port).not.toBe(taken);
      await table(azurite, "tbl4").createTable();
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
      await azurite.stop();
    }
  });

  it("restart() names the port and shows Azurite's output when the port is taken", async () => {
    const azurite = await startAzurite();
    await azurite.stop();
    // Takes the port and hangs up on everyone, like a stranger that got there first.
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(azurite.port, "127.0.0.1", resolve));
    try {
      const error = await azurite.restart().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`port ${azurite.port}`);
      expect((error as Error).message).toContain("Azurite output");
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
      await azurite.stop();
    }
  });
});
