// The key snapshot table on Azurite: round trip, table created on first write, corrupt entities
// ignored and reported, storage outages surfacing as errors within the storage timeout.

import { createServer, type Socket } from "node:net";
import { TableClient } from "@azure/data-tables";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAssertionKey } from "../../../shared/forward/assertion-keys.js";
import { createKeySnapshotTable, type KeySnapshot } from "../../../shared/keys/key-snapshot-table.js";
import { type SnapshotMac, snapshotMacFromAssertionKeys } from "../../../shared/keys/snapshot-mac.js";
import type { ValidatedJwk } from "../../../shared/keys/types.js";
import { validateJwk } from "../../../shared/keys/validate-jwk.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import {
  type AzuriteHandle,
  DEVSTORE_ACCOUNT_KEY,
  DEVSTORE_ACCOUNT_NAME,
  startAzurite,
} from "../../../tools/loopback/azurite.js";

let azurite: AzuriteHandle;
let key: ValidatedJwk;
let prefixes = 0;

function snapshotTable(prefix: string, storageTimeoutMs = 2_000, mac?: SnapshotMac) {
  const tables = createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 });
  return createKeySnapshotTable({
    tables,
    tablePrefix: prefix,
    storageTimeoutMs,
    algorithms: ["RS256"],
    mac,
  });
}

/** A fresh prefix per test, so each starts without a table. */
function freshPrefix(): string {
  prefixes += 1;
  return `snap${prefixes}t${Date.now() % 100_000}`;
}

function rawTable(prefix: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, `${prefix}Keys`, {
    allowInsecureConnection: true,
  });
}

const snapshot = (): KeySnapshot => ({
  issuer: "https://login.example/{tenantid}/v2.0",
  jwksUri: "https://login.example/organizations/discovery/v2.0/keys",
  fetchedAt: 1_767_225_600_123,
  keys: [key],
});

beforeAll(async () => {
  azurite = await startAzurite();
  const { publicKey } = await generateKeyPair("RS256", { extractable: true });
  const result = validateJwk({ ...(await exportJWK(publicKey)), kid: "k1", use: "sig" }, ["RS256"]);
  if (!result.ok) throw new Error(result.problem);
  key = result.jwk;
});

afterAll(async () => {
  await azurite?.stop();
});

describe("key snapshot table", () => {
  it("with a MAC key: reads back its own snapshots, ignores any other (planted, edited, unsigned)", async () => {
    const prefix = freshPrefix();
    const ours = generateAssertionKey();
    const mac = snapshotMacFromAssertionKeys(ours);
    const table = snapshotTable(prefix, 2_000, mac);
    await table.write("v2.0_organizations", snapshot());
    await expect(table.read("v2.0_organizations")).resolves.toEqual(snapshot());

    // Rotation: a deployment listing a new key first still reads what the old one signed.
    const rotated = snapshotMacFromAssertionKeys(`[${generateAssertionKey()},${ours}]`);
    await expect(snapshotTable(prefix, 2_000, rotated).read("v2.0_organizations")).resolves.toEqual(
      snapshot(),
    );

    const problems: string[] = [];
    const readBack = () => table.read("v2.0_organizations", (problem) => problems.push(problem));
    // Someone who can write the table but lacks the secret: keys replaced, MAC left as it was.
    const { publicKey } = await generateKeyPair("RS256", { extractable: true });
    await rawTable(prefix).updateEntity(
      {
        partitionKey: "v2.0_organizations",
        rowKey: "current",
        keys: JSON.stringify([{ ...(await exportJWK(publicKey)), kid: "planted", use: "sig" }]),
      },
      "Merge",
    );
    await expect(readBack()).resolves.toBeUndefined();
    // A snapshot written without a MAC (by a deployment without the key, or by hand).
    await snapshotTable(prefix).write("v2.0_organizations", snapshot());
    await expect(readBack()).resolves.toBeUndefined();
    // Another deployment's key.
    await snapshotTable(prefix, 2_000, snapshotMacFromAssertionKeys(generateAssertionKey())).write(
      "v2.0_organizations",
      snapshot(),
    );
    await expect(readBack()).resolves.toBeUndefined();
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain("has no valid MAC");
  });

  it("reads nothing while the table does not exist", async () => {
    await expect(snapshotTable(freshPrefix()).read("v2.0_organizations")).resolves.toBeUndefined();
  });

  it("creates the table on first write and reads back what it wrote", async () => {
    const prefix = freshPrefix();
    const table = snapshotTable(prefix);
    await table.write("v2.0_organizations", snapshot());

    await expect(table.read("v2.0_organizations")).resolves.toEqual(snapshot());
    await expect(table.read("v2.0_common")).resolves.toBeUndefined();

    const entity = await rawTable(prefix).getEntity<Record<string, unknown>>("v2.0_organizations", "current");
    expect(entity).toMatchObject({
      issuer: snapshot().issuer,
      jwksUri: snapshot().jwksUri,
      fetchedAt: 1_767_225_600_123,
    });
    expect(JSON.parse(entity.keys as string)).toEqual([key]);
  });

  it("replaces the snapshot on a later write", async () => {
    const table = snapshotTable(freshPrefix());
    await table.write("s", snapshot());
    await table.write("s", { ...snapshot(), fetchedAt: 42 });
    expect((await table.read("s"))?.fetchedAt).toBe(42);
  });

  it("ignores and reports an entity that is not a snapshot", async () => {
    const prefix = freshPrefix();
    const raw = rawTable(prefix);
    await raw.createTable();
    const table = snapshotTable(prefix);
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["no-fetched-at", { issuer: "i", jwksUri: "u", keys: "[]" }, /unreadable \(fetchedAt\)/],
      ["text-fetched-at", { issuer: "i", jwksUri: "u", fetchedAt: "yesterday", keys: "[]" }, /fetchedAt/],
      ["keys-not-json", { issuer: "i", jwksUri: "u", fetchedAt: 1, keys: "{oops" }, /not a JSON array/],
      ["keys-object", { issuer: "i", jwksUri: "u", fetchedAt: 1, keys: "{}" }, /not a JSON array/],
      [
        "no-good-key",
        { issuer: "i", jwksUri: "u", fetchedAt: 1, keys: '[{"kty":"oct","kid":"x"}]' },
        /no usable key/,
      ],
    ];
    for (const [id, fields, expected] of cases) {
      await raw.upsertEntity({ partitionKey: id, rowKey: "current", ...fields });
      const problems: string[] = [];
      await expect(table.read(id, (p) => problems.push(p))).resolves.toBeUndefined();
      expect(problems.join("\n")).toMatch(expected);
    }
  });

  it("skips a stored key that no longer passes the checks, keeping the rest", async () => {
    const prefix = freshPrefix();
    const raw = rawTable(prefix);
    await raw.createTable();
    const weak = { ...key, kid: "weak", n: "AQAB" };
    await raw.upsertEntity({
      partitionKey: "s",
      rowKey: "current",
      issuer: "i",
      jwksUri: "u",
      fetchedAt: { value: 5, type: "Double" },
      keys: JSON.stringify([weak, key, { ...key, d: "secret" }]),
    });
    const problems: string[] = [];
    const read = await snapshotTable(prefix).read("s", (p) => problems.push(p));
    expect(read?.keys).toEqual([key]);
    expect(problems).toEqual([
      expect.stringMatching(/key "weak": RSA modulus is 17 bits.*skipped$/),
      expect.stringMatching(/key "k1": carries private key member\(s\) d; skipped$/),
    ]);
  });

  it("throws within the storage timeout when storage is down, and works again after", async () => {
    const prefix = freshPrefix();
    const table = snapshotTable(prefix, 500);
    await table.write("s", snapshot());
    await azurite.stop();
    try {
      const started = performance.now();
      await expect(table.read("s")).rejects.toThrow();
      await expect(table.write("s", snapshot())).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await azurite.restart();
    }
    // In-memory Azurite came back empty: the table is created again on write.
    await expect(table.read("s")).resolves.toBeUndefined();
    await table.write("s", snapshot());
    await expect(table.read("s")).resolves.toEqual(snapshot());
  });

  it("gives up on storage that accepts connections but never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const connectionString =
      `DefaultEndpointsProtocol=http;AccountName=${DEVSTORE_ACCOUNT_NAME};AccountKey=${DEVSTORE_ACCOUNT_KEY};` +
      `TableEndpoint=http://127.0.0.1:${port}/${DEVSTORE_ACCOUNT_NAME};`;
    const table = createKeySnapshotTable({
      tables: createTableClientFactory(parseStorageTarget(connectionString)),
      tablePrefix: "silent",
      storageTimeoutMs: 300,
      algorithms: ["RS256"],
    });
    try {
      for (const call of [() => table.read("s"), () => table.write("s", snapshot())]) {
        const started = performance.now();
        await expect(call()).rejects.toThrow();
        expect(performance.now() - started).toBeLessThan(1_500);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
