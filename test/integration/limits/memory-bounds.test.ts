// The strict and approximate limiters' memory under more callers than they keep: every caller of a '*' tenant list
// in one long window is a key of its own. Pushed past (small) bounds against Azurite: memory stays
// within them, and a caller whose state was dropped is still limited, because storage counts.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import { ApproximateLimiter } from "../../../shared/limits/approximate-limiter.js";
import { StorageBreaker } from "../../../shared/limits/storage-breaker.js";
import { StrictLimiter } from "../../../shared/limits/strict-limiter.js";
import { WindowCounterTable } from "../../../shared/limits/window-counter-table.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";

let azurite: AzuriteHandle;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

describe("strict limiter memory", () => {
  it("holds at most its key and counter bounds when pushed past them; dropped callers stay limited", async () => {
    const factory = createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 });
    const counters = new WindowCounterTable({
      client: factory(`bounds${Date.now().toString(36)}`),
      storageTimeoutMs: 5_000,
      maxKnown: 40,
    });
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const limiter = new StrictLimiter(counters, clock, { maxLiveKeys: 50, sweepFrom: 10 });

    // The first caller spends its whole budget of one.
    expect((await limiter.take("caller-0", 1, 3600)).allowed).toBe(true);
    expect((await limiter.take("caller-0", 1, 3600)).allowed).toBe(false);
    // 150 more callers, all in the same window.
    for (let i = 1; i <= 150; i++) {
      await limiter.take(`caller-${i}`, 1, 3600);
      expect(limiter.keyCount).toBeLessThanOrEqual(50);
      expect(counters.knownCount).toBeLessThanOrEqual(40);
    }
    // caller-0's state is long gone from memory; storage still says it is spent.
    expect((await limiter.take("caller-0", 1, 3600)).allowed).toBe(false);
  }, 60_000);
});

describe("approximate limiter memory", () => {
  it("holds at most its key bound when pushed past it; a dropped caller stays limited through storage", async () => {
    const factory = createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 });
    const counters = new WindowCounterTable({
      client: factory(`approx${Date.now().toString(36)}`),
      storageTimeoutMs: 5_000,
    });
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const limiter = new ApproximateLimiter(counters, clock, new StorageBreaker(clock, 2_000), {
      maxKeys: 50,
    });

    // The first caller spends its whole budget of three here, in one sync interval: nothing of it
    // has to be in storage yet beyond its first request's sync.
    for (let i = 0; i < 3; i++) expect(limiter.take("caller-0", 3, 3600).allowed).toBe(true);
    expect(limiter.take("caller-0", 3, 3600).allowed).toBe(false);
    // 150 more callers, all in the same window: caller-0 is the oldest and goes first.
    for (let i = 1; i <= 150; i++) {
      limiter.take(`caller-${i}`, 3, 3600);
      expect(limiter.keyCount).toBeLessThanOrEqual(50);
    }
    await limiter.syncAll(); // every pending count pushed, the dropped keys' among them
    // caller-0's state is gone from memory; its first request back syncs and learns it is spent.
    // That first request is decided on this instance's count alone (none, now): the one the README
    // says a key new to an instance may get before its first sync answers.
    limiter.take("caller-0", 3, 3600);
    await limiter.syncAll();
    expect(limiter.take("caller-0", 3, 3600).allowed).toBe(false);
    expect(limiter.keyCount).toBeLessThanOrEqual(50);
  }, 60_000);
});
