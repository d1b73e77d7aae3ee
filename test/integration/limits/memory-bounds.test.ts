// The strict limiter's memory under more callers than it keeps: every caller of a '*' tenant list
// in one long window is a key of its own. Pushed past (small) bounds against Azurite: memory stays
// within them, and a caller whose state was dropped is still limited, because storage counts.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
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
