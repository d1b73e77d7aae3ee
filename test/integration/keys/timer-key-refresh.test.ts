// The timer function's key refresh with its real parts: the handler is driven the way the
// Functions host drives it (an InvocationContext and a timer payload), against Table Storage on
// Azurite and the loopback Entra-shaped issuer, with a gateway running in this process beside it.
// Time moves with one ManualClock shared by the issuer, the timer and the gateway.

import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { timerHandler } from "../../../functions/timer-handler.js";
import { ManualClock } from "../../../shared/clock.js";
import { loadSettings } from "../../../shared/config/settings.js";
import { createKeySnapshotTable } from "../../../shared/keys/key-snapshot-table.js";
import { keySourcesFor } from "../../../shared/keys/key-sources.js";
import type { KeySourceStatus } from "../../../shared/keys/key-store.js";
import type { KeyRefreshResult } from "../../../shared/keys/refresh-snapshot.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { createTimerJob } from "../../../shared/timer-job.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { type CountingTables, countingTables } from "../../support/counting-tables.js";
import { type InProcessTollgate, startInProcessTollgate, until } from "../../support/in-process-tollgate.js";
import { type LoggedLine, timerContext, timerPayload } from "../../support/timer-invocation.js";

const MINUTE = 60_000;
const GRACE_SECONDS = 300;

let azurite: AzuriteHandle;
let backend: EchoBackend;
let issuer: EntraIssuer;
let clock: ManualClock;
let storage: CountingTables;
let env: Record<string, string>;
let gateway: InProcessTollgate | undefined;

beforeAll(async () => {
  [azurite, backend] = await Promise.all([startAzurite(), startEchoBackend()]);
});

afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), backend?.stop()]);
});

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  // A tenant and a table prefix of its own per test: nothing carries over.
  issuer = await EntraIssuer.start({ now: () => clock.now(), defaultAudience: "api://tollgate-timer" });
  storage = countingTables(
    createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 }),
  );
  env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-timer",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: `timer${randomUUID().replaceAll("-", "").slice(0, 12)}`,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: String(GRACE_SECONDS),
  };
});

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await issuer?.stop();
});

/** One timer invocation through the handler, as the host makes it; returns its log and results. */
async function runTimer(): Promise<{ lines: LoggedLine[]; keys: KeyRefreshResult[] }> {
  const settings = loadSettings(env);
  const keys: KeyRefreshResult[] = [];
  const job = createTimerJob(settings, {
    clock,
    tables: storage.tables,
    onKeyRefresh: (result) => keys.push(result),
  });
  const lines: LoggedLine[] = [];
  await timerHandler(() => job)(timerPayload(clock.now()), timerContext(lines));
  return { lines, keys };
}

function snapshotTable() {
  return createKeySnapshotTable({
    tables: storage.tables,
    tablePrefix: env.TOLLGATE_TABLE_PREFIX as string,
    storageTimeoutMs: 2_000,
    algorithms: ["RS256"],
  });
}

const sourceId = () => keySourcesFor(loadSettings(env).token)[0]?.id as string;

async function readiness(): Promise<{ ready: boolean; keys: KeySourceStatus[] }> {
  const response = await gateway?.call("/.tollgate/ready");
  return (await response?.json()) as { ready: boolean; keys: KeySourceStatus[] };
}

describe("the timer keeps the signing-key snapshot fresh", () => {
  it("writes the snapshot on its first run and only when something changed after that", async () => {
    const keysTable = `${env.TOLLGATE_TABLE_PREFIX}Keys`;
    const first = await runTimer();
    expect(first.keys).toEqual([
      expect.objectContaining({
        sourceId: sourceId(),
        outcome: "written",
        keyCount: 1,
        added: [issuer.activeKid],
      }),
    ]);
    expect(first.lines).toContainEqual({
      level: "information",
      text: expect.stringMatching(new RegExp(`signing keys ${sourceId()}: written \\(1 key`)),
    });
    const stored = await snapshotTable().read(sourceId());
    expect(stored?.keys.map((k) => k.kid)).toEqual([issuer.activeKid]);
    expect(stored?.fetchedAt).toBe(clock.now());

    // Fifteen minutes on, same keys at Entra: nothing written.
    storage.reset();
    clock.advance(15 * MINUTE);
    const second = await runTimer();
    expect(second.keys[0]).toMatchObject({ outcome: "unchanged", snapshotAgeSeconds: 15 * 60 });
    expect(storage.writes(keysTable)).toBe(0);

    // A rotation at Entra: written at once, naming the new key.
    const newKid = await issuer.rotate();
    clock.advance(15 * MINUTE);
    const third = await runTimer();
    expect(third.keys[0]).toMatchObject({ outcome: "written", keyCount: 2, added: [newKid], removed: [] });
    expect(storage.writes(keysTable)).toBe(1);
  });

  it("a rotation at the issuer reaches a running gateway through the snapshot, without a restart and without the gateway asking Entra", async () => {
    await runTimer();
    gateway = await startInProcessTollgate(env, { clock, tables: storage.tables });
    expect(gateway.keyEvents.map((e) => e.type)).toEqual(["snapshot_loaded"]);
    expect((await gateway.call("/orders/1", await issuer.mint())).status).toBe(200);

    const newKid = await issuer.rotate();
    const rotatedToken = await issuer.mint();
    clock.advance(15 * MINUTE);
    const run = await runTimer();
    expect(run.keys[0]).toMatchObject({ outcome: "written", added: [newKid] });
    const timerRequests = issuer.requests.total;
    expect(timerRequests).toBe(2 * 2); // discovery + JWKS, on each of the two runs

    // The gateway meets the new kid, finds it in the snapshot the timer wrote, and lets it through.
    const response = await gateway.call("/orders/2", rotatedToken);
    expect(response.status).toBe(200);
    expect(gateway.keyEvents.map((e) => e.type)).toEqual(["snapshot_loaded", "snapshot_adopted"]);
    // Every request Entra saw came from the timer: the gateway never fetched keys after it started.
    expect(issuer.requests.total).toBe(timerRequests);
    expect(gateway.keyEvents.some((e) => e.type === "fetched")).toBe(false);
  });

  it("with the issuer down, the timer keeps the last snapshot and the gateway reports how stale it is", async () => {
    await runTimer();
    const fetchedAt = clock.now();
    gateway = await startInProcessTollgate(env, { clock, tables: storage.tables });
    const token = await issuer.mint({ lifetimeSeconds: 4 * 3600 });

    issuer.setMode("down");
    clock.advance(2 * 3600_000);
    const failed = await runTimer();
    expect(failed.keys[0]).toMatchObject({
      outcome: "failed",
      keyCount: 1,
      snapshotAgeSeconds: 7200,
      error: expect.stringMatching(/request failed/),
    });
    expect(failed.lines).toContainEqual({
      level: "warning",
      text: expect.stringMatching(
        /refresh failed \(.*request failed.*\); keeping the stored 1 key\(s\), fetched 7200 s ago/,
      ),
    });
    // The snapshot is as it was, with a note of the failure.
    const stored = await snapshotTable().read(sourceId());
    expect(stored).toMatchObject({ fetchedAt, keys: [expect.objectContaining({ kid: issuer.activeKid })] });
    expect(stored?.refreshFailure).toEqual({
      at: clock.now(),
      error: expect.stringMatching(/request failed/),
    });

    // The gateway still verifies with the kept keys; its readiness detail says how old they are and why.
    expect((await gateway.call("/orders/1", token)).status).toBe(200);
    await until(
      () => gateway?.keyEvents.some((e) => e.type === "fetch_failed") === true,
      "the gateway's own refresh",
    );
    const ready = await readiness();
    expect(ready.ready).toBe(true);
    expect(ready.keys).toEqual([
      {
        sourceId: sourceId(),
        fetchedAt,
        ageSeconds: 7200,
        keyCount: 1,
        stale: true,
        lastError: expect.stringMatching(/request failed/),
        refreshFailure: { at: clock.now(), error: expect.stringMatching(/request failed/) },
      },
    ]);

    // Entra back: the next run writes a fresh snapshot and the failure note is gone.
    issuer.setMode("up");
    clock.advance(15 * MINUTE);
    expect((await runTimer()).keys[0]).toMatchObject({ outcome: "written", snapshotAgeSeconds: 0 });
    expect((await snapshotTable().read(sourceId()))?.refreshFailure).toBeUndefined();
  });

  it("a key removed from Entra's JWKS keeps verifying for the grace, then stops, on a running gateway", async () => {
    const oldKid = issuer.activeKid;
    await issuer.rotate();
    await runTimer();
    gateway = await startInProcessTollgate(env, { clock, tables: storage.tables });
    issuer.resetCounters();

    // An emergency rotation: Entra stops publishing the old key.
    issuer.unpublish(oldKid);
    clock.advance(15 * MINUTE);
    const removedAt = clock.now();
    const run = await runTimer();
    expect(run.keys[0]).toMatchObject({
      outcome: "written",
      removed: [oldKid],
      retired: [oldKid],
      keyCount: 1,
    });
    const timerRequests = issuer.requests.total;

    // The gateway's periodic snapshot check picks the removal up (in the background).
    expect((await gateway.call("/orders/1", await issuer.mint())).status).toBe(200);
    await until(
      () => gateway?.keyEvents.some((e) => e.type === "snapshot_adopted") === true,
      "snapshot adoption",
    );
    expect(gateway.keyEvents).toContainEqual({
      type: "key_retired",
      sourceId: sourceId(),
      kid: oldKid,
      usableUntil: removedAt + GRACE_SECONDS * 1000,
    });

    // Within the grace a token signed with the removed key still verifies.
    clock.advance(GRACE_SECONDS * 1000 - 1_000);
    expect((await gateway.call("/orders/2", await issuer.mint({ kid: oldKid }))).status).toBe(200);

    // After it, never again, while the current key goes on working.
    clock.advance(1_000);
    const refused = await gateway.call("/orders/3", await issuer.mint({ kid: oldKid }));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { reason: string }).reason).toBe("key_not_found");
    expect((await gateway.call("/orders/4", await issuer.mint())).status).toBe(200);
    expect(issuer.requests.total).toBe(timerRequests);

    // The next timer run past the grace drops the key from the snapshot for good.
    clock.advance(15 * MINUTE);
    expect((await runTimer()).keys[0]).toMatchObject({ outcome: "written", retired: [] });
    expect((await snapshotTable().read(sourceId()))?.retired).toBeUndefined();
  });
});
