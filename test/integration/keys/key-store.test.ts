// The key store with its real parts: the loopback Entra-shaped issuer and Table Storage on
// Azurite. Time moves with a ManualClock; only HTTP timeouts use the wall clock.

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TableClient } from "@azure/data-tables";
import { jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import type { KeySettings } from "../../../shared/config/settings.js";
import { createKeySnapshotTable } from "../../../shared/keys/key-snapshot-table.js";
import { keySource, keySourcesFor } from "../../../shared/keys/key-sources.js";
import { KeyStore } from "../../../shared/keys/key-store.js";
import type { KeyStoreEvent } from "../../../shared/keys/key-store-events.js";
import type { KeySource } from "../../../shared/keys/types.js";
import { TollgateError } from "../../../shared/reasons.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";

const SETTINGS: KeySettings = {
  fetchTimeoutMs: 2_000,
  refreshSeconds: 3_600,
  refetchCooldownSeconds: 60,
  maxStalenessSeconds: 72 * 3_600,
};
const COOLDOWN_MS = SETTINGS.refetchCooldownSeconds * 1000;
const TABLE_PREFIX = `keystore${Date.now() % 100_000}`;

let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let clock: ManualClock;

interface StoreOptions {
  storage?: boolean;
  keys?: Partial<KeySettings>;
  authority?: string;
  storageTimeoutMs?: number;
}

function makeStore(options: StoreOptions = {}): { store: KeyStore; events: KeyStoreEvent[] } {
  const events: KeyStoreEvent[] = [];
  const snapshotTable =
    options.storage === false
      ? undefined
      : createKeySnapshotTable({
          tables: createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 }),
          tablePrefix: TABLE_PREFIX,
          storageTimeoutMs: options.storageTimeoutMs ?? 2_000,
          algorithms: ["RS256"],
        });
  const store = new KeyStore({
    authority: options.authority ?? issuer.authority,
    algorithms: ["RS256"],
    keys: { ...SETTINGS, ...options.keys },
    snapshotTable,
    clock,
    onEvent: (event) => events.push(event),
  });
  return { store, events };
}

/** A tenant of its own per test, so sources and snapshots never carry over between tests. */
function newSource(): KeySource {
  return keySource(issuer.authority, "2.0", randomUUID());
}

async function rejection(promise: Promise<unknown>): Promise<TollgateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TollgateError);
  return error as TollgateError;
}

const ofType = <T extends KeyStoreEvent["type"]>(events: KeyStoreEvent[], type: T) =>
  events.filter((e): e is Extract<KeyStoreEvent, { type: T }> => e.type === type);

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

beforeEach(async () => {
  issuer = await EntraIssuer.start();
  clock = new ManualClock(Date.UTC(2026, 0, 1));
});

afterEach(async () => {
  await issuer?.stop();
});

describe("KeyStore, first load", () => {
  it("loads a source from Entra on first use and then serves it from memory", async () => {
    const { store, events } = makeStore();
    const source = newSource();

    const set = await store.keySet(source);

    expect(set.sourceId).toBe(source.id);
    expect(set.issuer).toBe(issuer.issuerV2(source.tenant));
    expect(set.jwksUri).toBe(`${issuer.authority}/${source.tenant}/discovery/v2.0/keys`);
    expect(set.fetchedAt).toBe(clock.now());
    expect([...set.keys.keys()]).toEqual([issuer.activeKid]);
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1, total: 2 });

    const key = await store.getKey(source, issuer.activeKid);
    expect(key).toMatchObject({
      kid: issuer.activeKid,
      alg: undefined,
      issuer: issuer.issuerV2(source.tenant),
    });
    // The imported key verifies what the issuer signs.
    await expect(jwtVerify(await issuer.mint({ tid: source.tenant }), key.key)).resolves.toBeDefined();

    for (let i = 0; i < 5; i++) await store.getKey(source, issuer.activeKid);
    expect(issuer.requests.total).toBe(2);
    expect(store.status()).toEqual([
      { sourceId: source.id, fetchedAt: clock.now(), ageSeconds: 0, keyCount: 1 },
    ]);
    expect(ofType(events, "fetched")).toEqual([
      { type: "fetched", sourceId: source.id, keyCount: 1, changed: true },
    ]);
  });

  it("shares one cold load among concurrent first requests", async () => {
    const { store } = makeStore();
    const source = newSource();
    const keys = await Promise.all(Array.from({ length: 25 }, () => store.getKey(source, issuer.activeKid)));
    expect(new Set(keys).size).toBe(1);
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1, total: 2 });
  });

  it("works from Entra alone without a snapshot table", async () => {
    const { store, events } = makeStore({ storage: false });
    const source = newSource();
    await expect(store.getKey(source, issuer.activeKid)).resolves.toMatchObject({ kid: issuer.activeKid });
    await store.idle();
    expect(events.map((e) => e.type)).toEqual(["fetched"]);
  });

  it("warms every source the settings imply, v1 and v2, per tenant and for any tenant", async () => {
    const { store } = makeStore();
    const tenants = [randomUUID(), randomUUID()];
    const perTenant = keySourcesFor({
      authority: issuer.authority,
      tenants: { any: false, ids: tenants },
      tokenVersions: ["1.0", "2.0"],
    });
    const anyTenant = keySourcesFor({
      authority: issuer.authority,
      tenants: { any: true },
      tokenVersions: ["1.0", "2.0"],
    });

    await store.warm([...perTenant, ...anyTenant]);

    expect(store.status().map((s) => [s.sourceId, s.keyCount, s.lastError])).toEqual(
      [...perTenant, ...anyTenant].map((s) => [s.id, 1, undefined]),
    );
    expect(issuer.requests).toEqual({ discovery: 6, jwks: 6, total: 12 });
    // keySourcesFor lists versions as given: common (v1) first, then organizations (v2).
    expect((await store.keySet(anyTenant[0] as KeySource)).issuer).toBe(
      "https://sts.windows.net/{tenantid}/",
    );
    expect((await store.keySet(anyTenant[1] as KeySource)).issuer).toBe(
      `${issuer.authority}/{tenantid}/v2.0`,
    );
  });

  it("warm() does not throw when Entra is down; status() says why", async () => {
    issuer.setMode("down");
    const { store } = makeStore();
    const source = newSource();
    await expect(store.warm([source])).resolves.toBeUndefined();
    expect(store.status()).toEqual([
      { sourceId: source.id, keyCount: 0, lastError: expect.stringMatching(/request failed/) },
    ]);
  });
});

describe("KeyStore, unknown kids and rotation", () => {
  it("finds a key rotated in at Entra once the refetch cooldown has passed, without a restart", async () => {
    const { store, events } = makeStore();
    const source = newSource();
    const oldKid = issuer.activeKid;
    const oldKey = await store.getKey(source, oldKid);

    const newKid = await issuer.rotate();
    issuer.resetCounters();
    const token = await issuer.mint({ tid: source.tenant });

    // Within the cooldown the store does not ask again: the new kid is unknown for now.
    expect((await rejection(store.getKey(source, newKid))).reason).toBe("key_not_found");
    expect(issuer.requests.total).toBe(0);

    clock.advance(COOLDOWN_MS);
    const newKey = await store.getKey(source, newKid);
    await expect(jwtVerify(token, newKey.key)).resolves.toBeDefined();
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1, total: 2 });
    // The key that did not change was not imported again.
    expect(await store.getKey(source, oldKid)).toBe(oldKey);
    expect(ofType(events, "fetched").map((e) => [e.keyCount, e.changed])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it("25 concurrent requests with an unknown kid cause exactly one JWKS fetch, and none within the cooldown", async () => {
    const { store } = makeStore();
    const source = newSource();
    await store.keySet(source);
    clock.advance(COOLDOWN_MS);
    issuer.resetCounters();

    const first = await Promise.allSettled(
      Array.from({ length: 25 }, () => store.getKey(source, "no-such-kid")),
    );

    expect(issuer.requests.jwks).toBe(1);
    for (const outcome of first) {
      expect(outcome.status).toBe("rejected");
      const error = (outcome as PromiseRejectedResult).reason as TollgateError;
      expect(error).toBeInstanceOf(TollgateError);
      expect([error.reason, error.status]).toEqual(["key_not_found", 401]);
      expect(error.message).toContain('"no-such-kid"');
    }

    clock.advance(COOLDOWN_MS - 1);
    const again = await Promise.allSettled(
      Array.from({ length: 25 }, () => store.getKey(source, "other-kid")),
    );
    expect(
      again.every((o) => o.status === "rejected" && (o.reason as TollgateError).reason === "key_not_found"),
    ).toBe(true);
    expect(issuer.requests.jwks).toBe(1);
  });

  it("25 concurrent requests for a kid just rotated in share one fetch and all get the key", async () => {
    const { store } = makeStore();
    const source = newSource();
    await store.keySet(source);
    const newKid = await issuer.rotate();
    clock.advance(COOLDOWN_MS);
    issuer.resetCounters();

    const keys = await Promise.all(Array.from({ length: 25 }, () => store.getKey(source, newKid)));

    expect(new Set(keys).size).toBe(1);
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1, total: 2 });
  });

  it("names an attacker's kid only as short printable ASCII", async () => {
    const { store } = makeStore();
    const source = newSource();
    await store.keySet(source);
    const error = await rejection(store.getKey(source, `evil\r\nX-Injected: 1\u0000${"k".repeat(300)}`));
    expect(error.reason).toBe("key_not_found");
    expect(error.message).toMatch(
      /^No signing key with kid "evil\?\?X-Injected: 1\?k{44}\.\.\." is published/,
    );
    expect(error.message).not.toMatch(/[^\x20-\x7e]/);
  });
});

describe("KeyStore, the Table snapshot", () => {
  it("a cold instance loads the snapshot a previous instance wrote, while Entra is down", async () => {
    const first = makeStore();
    const source = newSource();
    const kid = issuer.activeKid;
    const fetchedAt = clock.now();
    await first.store.keySet(source);
    await first.store.idle();
    expect(ofType(first.events, "snapshot_written")).toHaveLength(1);

    issuer.setMode("down");
    issuer.resetCounters();
    clock.advance(10 * 60_000);
    const cold = makeStore();

    const key = await cold.store.getKey(source, kid);

    await expect(jwtVerify(await issuer.mint({ tid: source.tenant }), key.key)).resolves.toBeDefined();
    expect(key.issuer).toBe(issuer.issuerV2(source.tenant));
    expect(issuer.requests.total).toBe(0);
    expect(cold.events).toEqual([
      { type: "snapshot_loaded", sourceId: source.id, keyCount: 1, ageSeconds: 600 },
    ]);
    expect(cold.store.status()).toEqual([{ sourceId: source.id, fetchedAt, ageSeconds: 600, keyCount: 1 }]);
  });

  it("a cold instance refreshes an old snapshot in the background, without making the request wait", async () => {
    const first = makeStore();
    const source = newSource();
    await first.store.keySet(source);
    await first.store.idle();

    clock.advance(SETTINGS.refreshSeconds * 1000 + 1_000);
    issuer.slowMs = 800;
    issuer.setMode("slow");
    issuer.resetCounters();
    const cold = makeStore();

    const started = performance.now();
    const set = await cold.store.keySet(source);
    expect(performance.now() - started).toBeLessThan(600);
    expect(clock.now() - set.fetchedAt).toBe(SETTINGS.refreshSeconds * 1000 + 1_000);

    await cold.store.idle();
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1, total: 2 });
    expect(cold.store.status()[0]).toMatchObject({ fetchedAt: clock.now(), ageSeconds: 0 });
    // The refreshed set is worth writing: the stored one is more than half a refresh old.
    expect(ofType(cold.events, "snapshot_written")).toHaveLength(1);

    // Further requests meanwhile start no second refresh.
    await cold.store.keySet(source);
    await cold.store.idle();
    expect(issuer.requests.total).toBe(2);
  });

  it("a failing background refresh is recorded, retried only after the cooldown, and never thrown", async () => {
    const { store, events } = makeStore({ storage: false });
    const source = newSource();
    await store.keySet(source);
    issuer.setMode("http500");
    issuer.resetCounters();
    clock.advance(SETTINGS.refreshSeconds * 1000 + 1_000);

    await store.keySet(source);
    await store.idle();
    expect(issuer.requests.total).toBe(1);
    expect(store.status()[0]?.lastError).toMatch(/HTTP 500/);
    expect(ofType(events, "fetch_failed")).toHaveLength(1);

    await store.keySet(source);
    await store.idle();
    expect(issuer.requests.total).toBe(1);

    issuer.setMode("up");
    clock.advance(COOLDOWN_MS);
    await store.keySet(source);
    await store.idle();
    expect(store.status()[0]).toMatchObject({ ageSeconds: 0, keyCount: 1 });
    expect(store.status()[0]?.lastError).toBeUndefined();
  });

  it("writes the snapshot when the keys change or the stored copy is half a refresh old, not on every fetch", async () => {
    const { store, events } = makeStore();
    const source = newSource();
    const written = () => ofType(events, "snapshot_written").length;
    await store.keySet(source);
    await store.idle();
    expect(written()).toBe(1);

    // Same keys a minute later: nothing to write.
    clock.advance(COOLDOWN_MS);
    await rejection(store.getKey(source, "unknown-1"));
    await store.idle();
    expect(ofType(events, "fetched")).toHaveLength(2);
    expect(written()).toBe(1);

    // A rotation changes the set: written.
    const newKid = await issuer.rotate();
    clock.advance(COOLDOWN_MS);
    await store.getKey(source, newKid);
    await store.idle();
    expect(written()).toBe(2);

    // Same keys, but the stored copy is half a refresh old: written, so a cold instance sees the right age.
    clock.advance((SETTINGS.refreshSeconds * 1000) / 2);
    await rejection(store.getKey(source, "unknown-2"));
    await store.idle();
    expect(written()).toBe(3);

    issuer.setMode("down");
    const cold = makeStore();
    const set = await cold.store.keySet(source);
    expect(set.fetchedAt).toBe(clock.now());
    expect([...set.keys.keys()].sort()).toEqual(issuer.publishedKids().sort());
  });

  it("past maxStalenessSeconds with Entra down: keys_unavailable (503) with Retry-After, for warm and cold instances", async () => {
    const first = makeStore();
    const source = newSource();
    const kid = issuer.activeKid;
    await first.store.keySet(source);
    await first.store.idle();

    issuer.setMode("down");
    issuer.resetCounters();
    clock.advance(SETTINGS.maxStalenessSeconds * 1000 + 1_000);

    const stale = await rejection(first.store.getKey(source, kid));
    expect([stale.reason, stale.status, stale.retryAfterSeconds]).toEqual([
      "keys_unavailable",
      503,
      SETTINGS.refetchCooldownSeconds,
    ]);
    expect(stale.message).not.toMatch(/127\.0\.0\.1/);
    expect(issuer.requests.discovery).toBe(1);

    // Within the cooldown it answers at once, without asking Entra again.
    clock.advance(20_000);
    const again = await rejection(first.store.keySet(source));
    expect([again.reason, again.retryAfterSeconds]).toEqual(["keys_unavailable", 40]);
    expect(issuer.requests.discovery).toBe(1);

    // A cold instance does not take the stale snapshot either.
    const cold = makeStore();
    const coldError = await rejection(cold.store.keySet(source));
    expect([coldError.reason, coldError.status]).toEqual(["keys_unavailable", 503]);
    expect(coldError.retryAfterSeconds).toBeGreaterThanOrEqual(1);

    // Entra back, cooldown over: keys again.
    issuer.setMode("up");
    clock.advance(COOLDOWN_MS);
    await expect(first.store.getKey(source, kid)).resolves.toMatchObject({ kid });
    await expect(cold.store.getKey(source, kid)).resolves.toMatchObject({ kid });
  });

  it("keeps working from Entra when Table Storage is down, and reports it", async () => {
    await azurite.stop();
    try {
      const { store, events } = makeStore({ storageTimeoutMs: 500 });
      const source = newSource();
      await expect(store.getKey(source, issuer.activeKid)).resolves.toMatchObject({ kid: issuer.activeKid });
      await store.idle();
      expect(events.map((e) => e.type)).toEqual(["snapshot_read_failed", "fetched", "snapshot_write_failed"]);
    } finally {
      await azurite.restart();
    }
  });

  it("ignores a corrupt snapshot, reports it, and goes to Entra", async () => {
    const source = newSource();
    const raw = TableClient.fromConnectionString(azurite.connectionString, `${TABLE_PREFIX}Keys`, {
      allowInsecureConnection: true,
    });
    await raw.createTable().catch(() => undefined);
    await raw.upsertEntity({
      partitionKey: source.id,
      rowKey: "current",
      issuer: "x",
      jwksUri: "y",
      keys: "[",
    });

    const { store, events } = makeStore();
    await expect(store.getKey(source, issuer.activeKid)).resolves.toMatchObject({ kid: issuer.activeKid });
    expect(ofType(events, "snapshot_problem")).toEqual([
      {
        type: "snapshot_problem",
        sourceId: source.id,
        problem: expect.stringMatching(/unreadable \(fetchedAt\)/),
      },
    ]);
  });
});

describe("KeyStore, Entra failing", () => {
  it("with no snapshot and Entra failing, a cold store answers keys_unavailable, never a 401", async () => {
    issuer.setMode("http500");
    const { store } = makeStore();
    const source = newSource();
    for (const attempt of [store.keySet(source), store.getKey(source, issuer.activeKid)]) {
      const error = await rejection(attempt);
      expect([error.reason, error.status]).toEqual(["keys_unavailable", 503]);
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(store.status()[0]?.lastError).toMatch(/answered HTTP 500, not 200/);
    expect(issuer.requests.discovery).toBe(1);
  });

  it("gives up on a slow issuer within fetchTimeoutMs", async () => {
    issuer.slowMs = 5_000;
    issuer.setMode("slow");
    const { store } = makeStore({ keys: { fetchTimeoutMs: 300 } });
    const source = newSource();

    const started = performance.now();
    const error = await rejection(store.keySet(source));

    expect(performance.now() - started).toBeLessThan(1_500);
    expect(error.reason).toBe("keys_unavailable");
    expect(store.status()[0]?.lastError).toMatch(/no complete answer within 300 ms/);
  });

  it("garbage from Entra: the refetch fails, the last good set is kept, an unknown kid is a 503", async () => {
    const { store, events } = makeStore();
    const source = newSource();
    const kid = issuer.activeKid;
    const key = await store.getKey(source, kid);

    issuer.setMode("garbage");
    clock.advance(COOLDOWN_MS);
    const unknown = await rejection(store.getKey(source, "rotated-in-maybe"));
    expect([unknown.reason, unknown.status]).toEqual(["keys_unavailable", 503]);
    expect(await store.getKey(source, kid)).toBe(key);
    expect(store.status()[0]).toMatchObject({
      keyCount: 1,
      lastError: expect.stringMatching(/answer is not JSON/),
    });
    expect(ofType(events, "fetch_failed")).toHaveLength(1);

    // Entra recovers: the unknown kid is an ordinary 401 again.
    issuer.setMode("up");
    clock.advance(COOLDOWN_MS);
    expect((await rejection(store.getKey(source, "rotated-in-maybe"))).reason).toBe("key_not_found");
    expect(store.status()[0]?.lastError).toBeUndefined();
  });

  it("a JWKS whose only key is 1024-bit: the refetch fails, the weak key is reported, the last good set is kept", async () => {
    const { store, events } = makeStore();
    const source = newSource();
    const goodKid = issuer.activeKid;
    await store.keySet(source);

    const weakKid = await issuer.addKey({ modulusLength: 1024 });
    issuer.unpublish(goodKid);
    expect(issuer.publishedKids()).toEqual([weakKid]);
    clock.advance(COOLDOWN_MS);

    expect((await rejection(store.getKey(source, weakKid))).reason).toBe("keys_unavailable");
    await expect(store.getKey(source, goodKid)).resolves.toMatchObject({ kid: goodKid });
    expect(store.status()[0]?.lastError).toMatch(
      /JWKS has no usable key \(key ".*": RSA modulus is 1024 bits/,
    );
    expect(ofType(events, "key_rejected")).toEqual([
      { type: "key_rejected", sourceId: source.id, problem: expect.stringMatching(/1024 bits, under 2048/) },
    ]);
  });

  it("a weak key beside good ones is skipped and reported; the good ones are used", async () => {
    const { store, events } = makeStore();
    const source = newSource();
    const weakKid = await issuer.addKey({ modulusLength: 1024 });
    const set = await store.keySet(source);
    expect([...set.keys.keys()]).toEqual([issuer.activeKid]);
    expect(ofType(events, "key_rejected").map((e) => e.problem)).toEqual([
      expect.stringContaining(`key "${weakKid}": RSA modulus is 1024 bits`),
    ]);
  });
});

describe("KeyStore, a poisoned discovery document", () => {
  let authority: Server;

  afterEach(async () => {
    authority?.closeAllConnections();
    await new Promise((resolve) => authority?.close(resolve));
  });

  it("refuses a jwks_uri on another origin and never fetches it", async () => {
    const tenant = randomUUID();
    authority = createServer((_req, res) => {
      const origin = `http://127.0.0.1:${(authority.address() as AddressInfo).port}`;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          issuer: `${origin}/${tenant}/v2.0`,
          // A real Entra-shaped JWKS, but at another origin than the authority's.
          jwks_uri: `${issuer.authority}/${tenant}/discovery/v2.0/keys`,
        }),
      );
    });
    await new Promise<void>((resolve) => authority.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(authority.address() as AddressInfo).port}`;
    const { store, events } = makeStore({ authority: origin, storage: false });

    const error = await rejection(store.keySet(keySource(origin, "2.0", tenant)));

    expect(error.reason).toBe("keys_unavailable");
    expect(ofType(events, "fetch_failed")[0]?.error).toMatch(/jwks_uri ".*" is not on the authority origin/);
    expect(issuer.requests.total).toBe(0);
  });
});
