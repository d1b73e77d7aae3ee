import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PolicyDocument } from "../../../shared/policy/policy-schema.js";
import { PolicyStore } from "../../../shared/policy/policy-store.js";
import type { PolicyStoreEvent } from "../../../shared/policy/policy-store-events.js";
import { policyTableClient } from "../../../shared/policy/policy-table.js";
import {
  PolicyConflictError,
  PolicyValidationError,
  pushPolicy,
} from "../../../shared/policy/push-policy.js";
import { readCurrentPolicy } from "../../../shared/policy/read-current-policy.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { type AzuriteHandle, DEVSTORE_ACCOUNT_KEY, startAzurite } from "../../../tools/loopback/azurite.js";

/** A separate factory per call: a writer and a reader share nothing but the storage account. */
function tableFor(azurite: AzuriteHandle, prefix: string): TableClient {
  return policyTableClient(createTableClientFactory(parseStorageTarget(azurite.connectionString)), prefix);
}

let prefixes = 0;
/** Each test gets its own tables. */
function freshPrefix(): string {
  prefixes += 1;
  return `pol${prefixes}x${Date.now().toString(36)}`;
}

function policyDoc(marker: string, extraRules = 0): PolicyDocument {
  return {
    version: 1,
    rules: [
      {
        id: "orders-read",
        methods: ["GET"],
        path: "/orders/**",
        require: { anyOf: [{ roles: { anyOf: ["reader"] } }, { scopes: { anyOf: [`Orders.${marker}`] } }] },
      },
      // Padding rules make a document span several 30k-character chunks.
      ...Array.from({ length: extraRules }, (_, i) => ({
        id: `pad-${i}`,
        methods: ["GET"],
        path: `/padding/${marker}/${i}/${"p".repeat(200)}`,
      })),
    ],
  };
}

async function allEntities(client: TableClient): Promise<{ partitionKey: string; rowKey: string }[]> {
  const out: { partitionKey: string; rowKey: string }[] = [];
  try {
    for await (const e of client.listEntities())
      out.push({ partitionKey: e.partitionKey ?? "", rowKey: e.rowKey ?? "" });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return out;
}

function recorder() {
  const events: PolicyStoreEvent[] = [];
  return { events, onEvent: (event: PolicyStoreEvent) => events.push(event) };
}

describe("PolicyStore and pushPolicy on Azurite", () => {
  let azurite: AzuriteHandle;
  const stores: PolicyStore[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    for (const store of stores) store.stop();
    await azurite?.stop();
  });

  function storeFor(client: TableClient, options: { refreshSeconds?: number } = {}) {
    const { events, onEvent } = recorder();
    const store = new PolicyStore({
      client,
      refreshSeconds: options.refreshSeconds ?? 3600,
      storageTimeoutMs: 2000,
      onEvent,
    });
    stores.push(store);
    return { store, events };
  }

  it("starts with no policy, then sees each push after refreshNow()", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    const { store, events } = storeFor(tableFor(azurite, prefix));

    expect(await store.start()).toBe("missing");
    expect(store.current()).toBeUndefined();
    expect(events).toEqual([{ type: "policy_missing", hasPolicy: false }]);

    const first = await pushPolicy(writer, policyDoc("One"));
    expect(first).toMatchObject({ changed: true, chunks: 1, prunedVersions: [] });
    expect(first.previousVersionId).toBeUndefined();
    expect(await store.refreshNow()).toBe("loaded");
    expect(store.current()).toMatchObject({ versionId: first.versionId, sha256: first.sha256 });
    expect(store.current()?.policy.rules[0]?.require).toEqual({
      anyOf: [{ roles: { anyOf: ["reader"] } }, { scopes: { anyOf: ["Orders.One"] } }],
    });

    const second = await pushPolicy(writer, policyDoc("Two"));
    expect(second.previousVersionId).toBe(first.versionId);
    expect(await store.refreshNow()).toBe("loaded");
    expect(store.current()?.versionId).toBe(second.versionId);
    expect(await store.refreshNow()).toBe("unchanged");
    expect(events.at(-1)).toEqual({
      type: "policy_loaded",
      versionId: second.versionId,
      sha256: second.sha256,
      ruleCount: 1,
      warnings: [],
      previousVersionId: first.versionId,
    });
  });

  it("picks up a push on its own timer, without a restart", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    await pushPolicy(writer, policyDoc("Before"));
    const { store } = storeFor(tableFor(azurite, prefix), { refreshSeconds: 0.2 });
    await store.start();
    const pushed = await pushPolicy(writer, policyDoc("After"));
    await vi.waitFor(() => expect(store.current()?.versionId).toBe(pushed.versionId), {
      timeout: 5000,
      interval: 50,
    });
  });

  it("writes nothing for an invalid document, and nothing new for the same document", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    const bad = { version: 1, rules: [{ id: "a", methods: ["GET"], path: "/a", require: { role: {} } }] };
    await expect(pushPolicy(writer, bad)).rejects.toThrow(PolicyValidationError);
    expect(await allEntities(writer)).toEqual([]);

    const pushed = await pushPolicy(writer, policyDoc("Same"));
    const before = await allEntities(writer);
    await expect(pushPolicy(writer, bad)).rejects.toMatchObject({
      errors: ["rules[0].require: unknown key 'role' (did you mean 'roles'?)"],
    });
    // Key order and layout do not make a new version.
    const reordered = Object.fromEntries(Object.entries(policyDoc("Same")).reverse());
    expect(await pushPolicy(writer, reordered)).toMatchObject({
      changed: false,
      versionId: pushed.versionId,
    });
    expect(await allEntities(writer)).toEqual(before);
  });

  it("chunks a large policy and reads it back whole", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    const pushed = await pushPolicy(writer, policyDoc("Big", 400));
    expect(pushed.chunks).toBeGreaterThan(2);
    const stored = await readCurrentPolicy(writer);
    expect(stored?.pointer).toMatchObject({ versionId: pushed.versionId, chunks: pushed.chunks });
    expect(stored?.parsed.ok && stored.parsed.policy.rules.length).toBe(401);
    const { store } = storeFor(tableFor(azurite, prefix));
    expect(await store.start()).toBe("loaded");
    expect(store.current()?.policy.rules).toHaveLength(401);
  });

  it("keeps the five newest versions and deletes the older ones", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++)
      ids.push((await pushPolicy(writer, policyDoc(`V${i}`, i === 0 ? 300 : 0))).versionId);
    const partitions = new Set((await allEntities(writer)).map((e) => e.partitionKey));
    expect([...partitions].sort()).toEqual(["pointer", ...ids.slice(3).map((id) => `v_${id}`)].sort());
  });

  it("refuses a push when the stored version moved on (--if-version) or moved during the push", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    const first = await pushPolicy(writer, policyDoc("A"));
    await pushPolicy(writer, policyDoc("B"));
    await expect(pushPolicy(writer, policyDoc("C"), { ifVersion: first.versionId })).rejects.toThrow(
      PolicyConflictError,
    );

    // Racing pushes: each either wins or is told it changed nothing; the pointer names a winner.
    const results = await Promise.allSettled(
      ["R1", "R2", "R3", "R4"].map((marker) => pushPolicy(tableFor(azurite, prefix), policyDoc(marker))),
    );
    const winners = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.versionId] : []));
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(PolicyConflictError);
    expect(winners.length).toBeGreaterThan(0);
    const stored = await readCurrentPolicy(writer);
    expect(winners).toContain(stored?.pointer.versionId);
  });

  it("keeps the last good policy when the stored version is corrupt or invalid, and says so once", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    const good = await pushPolicy(writer, policyDoc("Good"));
    const { store, events } = storeFor(tableFor(azurite, prefix));
    await store.start();

    // A version whose chunk does not match the pointer's sha256.
    const bad = await pushPolicy(writer, policyDoc("Bad"));
    await writer.updateEntity({ partitionKey: `v_${bad.versionId}`, rowKey: "000", data: "{}" }, "Merge");
    expect(await store.refreshNow()).toBe("rejected");
    expect(await store.refreshNow()).toBe("rejected");
    expect(store.current()?.versionId).toBe(good.versionId);
    expect(events.filter((e) => e.type === "policy_rejected")).toEqual([
      {
        type: "policy_rejected",
        versionId: bad.versionId,
        problems: [`policy version ${bad.versionId} does not match its sha256`],
        hasPolicy: true,
      },
    ]);

    // A version whose checksum is right but whose document no longer passes validation.
    const text = JSON.stringify({
      version: 1,
      rules: [{ id: "x", methods: ["GET"], path: "/x", require: {} }],
    });
    const sha256 = createHash("sha256").update(text).digest("hex");
    await writer.createEntity({ partitionKey: "v_handmade", rowKey: "000", data: text });
    const pointer = await writer.getEntity<Record<string, unknown>>("pointer", "current");
    await writer.updateEntity(
      {
        ...pointer,
        partitionKey: "pointer",
        rowKey: "current",
        versionId: "handmade",
        sha256,
        chunks: 1,
        length: text.length,
      },
      "Replace",
    );
    expect(await store.refreshNow()).toBe("rejected");
    expect(store.current()?.versionId).toBe(good.versionId);
    expect(events.at(-1)).toMatchObject({ type: "policy_rejected", versionId: "handmade" });
    expect(events.at(-1)).toHaveProperty("problems", [
      "rules[0].require: is empty: a requirement has exactly one of allOf, anyOf, roles, scopes, groups, tenants, clientApps, kind, claims, objectIds, authContext",
    ]);
  });

  it("a push repairs a damaged pointer; the store keeps its copy until then", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    const good = await pushPolicy(writer, policyDoc("Good"));
    const { store, events } = storeFor(tableFor(azurite, prefix));
    await store.start();
    await writer.updateEntity({ partitionKey: "pointer", rowKey: "current", sha256: "not-a-sha" }, "Merge");
    expect(await store.refreshNow()).toBe("rejected");
    expect(store.current()?.versionId).toBe(good.versionId);
    expect(events.at(-1)).toEqual({
      type: "policy_rejected",
      problems: ["the policy pointer entity is unreadable (sha256)"],
      hasPolicy: true,
    });
    await expect(readCurrentPolicy(writer)).rejects.toThrow(
      "the policy pointer entity is unreadable (sha256)",
    );

    const fixed = await pushPolicy(writer, policyDoc("Fixed"));
    expect(fixed.previousVersionId).toBeUndefined();
    expect(await store.refreshNow()).toBe("loaded");
    expect(store.current()?.versionId).toBe(fixed.versionId);
  });

  it("sees every push whole: a reader polling through 20 pushes never meets half a version", async () => {
    const prefix = freshPrefix();
    const writer = tableFor(azurite, prefix);
    await pushPolicy(writer, policyDoc("P0", 150));
    const { store, events } = storeFor(tableFor(azurite, prefix));
    await store.start();

    const pushed = new Set<string>();
    let pushing = true;
    const reader = (async () => {
      let reads = 0;
      while (pushing || reads === 0) {
        await store.refreshNow();
        const stored = await readCurrentPolicy(tableFor(azurite, prefix));
        expect(stored?.parsed.ok).toBe(true);
        reads += 1;
      }
      return reads;
    })();
    for (let i = 1; i <= 20; i++) pushed.add((await pushPolicy(writer, policyDoc(`P${i}`, 150))).versionId);
    pushing = false;
    expect(await reader).toBeGreaterThan(0);

    await store.refreshNow();
    const problems = events.filter((e) => e.type !== "policy_loaded");
    expect(problems).toEqual([]);
    const loaded = events.flatMap((e) => (e.type === "policy_loaded" ? [e.versionId] : []));
    // The reader really did run between pushes, not just once at the end.
    expect(loaded.length).toBeGreaterThan(2);
    expect(loaded.slice(1).every((id) => pushed.has(id))).toBe(true);
    expect([...loaded].sort()).toEqual(loaded);
    expect(store.current()?.policy.rules[0]?.require).toMatchObject({
      anyOf: [{ roles: { anyOf: ["reader"] } }, { scopes: { anyOf: ["Orders.P20"] } }],
    });
  });
});

describe("PolicyStore when storage goes away", () => {
  let azurite: AzuriteHandle;

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  it("keeps the last good policy, and refreshNow() returns within the storage timeout", async () => {
    const prefix = freshPrefix();
    const pushed = await pushPolicy(tableFor(azurite, prefix), policyDoc("Kept"));
    const { events, onEvent } = recorder();
    const store = new PolicyStore({
      client: tableFor(azurite, prefix),
      refreshSeconds: 3600,
      storageTimeoutMs: 1000,
      onEvent,
    });
    await store.start();
    expect(store.current()?.versionId).toBe(pushed.versionId);

    await azurite.stop();
    const started = performance.now();
    expect(await store.refreshNow()).toBe("failed");
    expect(performance.now() - started).toBeLessThan(1000 + 250);
    expect(store.current()?.versionId).toBe(pushed.versionId);
    expect(events.at(-1)).toMatchObject({ type: "policy_read_failed", hasPolicy: true });

    // A cold instance with storage down still starts; it just has no policy (the gateway says 503).
    const cold = recorder();
    const coldStore = new PolicyStore({
      client: tableFor(azurite, prefix),
      refreshSeconds: 3600,
      storageTimeoutMs: 1000,
      onEvent: cold.onEvent,
    });
    expect(await coldStore.start()).toBe("failed");
    expect(coldStore.current()).toBeUndefined();
    expect(cold.events).toMatchObject([{ type: "policy_read_failed", hasPolicy: false }]);
    coldStore.stop();

    // Storage back, but empty (in-memory Azurite lost it): the copy in hand stays.
    await azurite.restart();
    expect(await store.refreshNow()).toBe("missing");
    expect(store.current()?.versionId).toBe(pushed.versionId);
    store.stop();
  });
});

describe("PolicyStore when storage accepts connections but never answers", () => {
  let server: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("gives up on the refresh at the storage timeout", async () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const connectionString =
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEVSTORE_ACCOUNT_KEY};` +
      `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    const client = policyTableClient(
      createTableClientFactory(parseStorageTarget(connectionString)),
      "silent",
    );
    const { events, onEvent } = recorder();
    const store = new PolicyStore({ client, refreshSeconds: 3600, storageTimeoutMs: 500, onEvent });
    const started = performance.now();
    expect(await store.start()).toBe("failed");
    expect(performance.now() - started).toBeLessThan(500 + 250);
    expect(sockets.length).toBeGreaterThan(0);
    expect(events).toEqual([
      { type: "policy_read_failed", error: "storage did not answer within 500 ms", hasPolicy: false },
    ]);
    store.stop();
  });
});
