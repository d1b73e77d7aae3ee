// The rate limiter against Azurite, with several limiter instances standing for several gateway
// instances and a clock the test moves. Storage calls are counted by a wrapper around the
// TableClient, independently of the limiter's own bookkeeping.

import type { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import { type LimitPolicy, limitPolicySchema } from "../../../shared/limits/limit-policy.js";
import { RateLimiter } from "../../../shared/limits/rate-limiter.js";
import { WindowCounterTable } from "../../../shared/limits/window-counter-table.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { principal } from "../../../tools/loopback/principal.js";

let azurite: AzuriteHandle;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const caller = principal({ kind: "app" });

const STORAGE_METHODS = new Set([
  "getEntity",
  "createEntity",
  "updateEntity",
  "upsertEntity",
  "deleteEntity",
  "createTable",
]);

/** Counts every storage call made through the client. */
function counted(client: TableClient, counter: { calls: number }): TableClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value === "function" && STORAGE_METHODS.has(String(property))) {
        return (...args: unknown[]) => {
          counter.calls++;
          return value.apply(target, args);
        };
      }
      return value;
    },
  });
}

let tableSeq = 0;
function instances(count: number, clock: ManualClock, storageTimeoutMs = 2000) {
  const counter = { calls: 0 };
  const factory = createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 });
  const table = `limits${Date.now().toString(36)}${tableSeq++}`;
  const limiters = Array.from(
    { length: count },
    () =>
      new RateLimiter({
        counters: new WindowCounterTable({ client: counted(factory(table), counter), storageTimeoutMs }),
        clock,
        breakerCooldownMs: 1000,
      }),
  );
  return {
    limiters,
    counter,
    table: factory(table),
    stop: () => {
      for (const limiter of limiters) limiter.stop();
    },
  };
}

const policy = (over: Record<string, unknown>): LimitPolicy =>
  limitPolicySchema.parse({ requests: 100, window: 60, key: ["clientApp"], ...over });

describe("strict limits across instances", () => {
  it("admit exactly the limit when demand exceeds it, and never more", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, stop } = instances(4, clock);
    const p = policy({ requests: 100 });
    const verdicts = await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) => limiters[i % 4]?.check("per-app", p, caller, "r") ?? Promise.reject(),
      ),
    );
    stop();
    const admitted = verdicts.filter((v) => v.outcome === "allow").length;
    expect(admitted).toBeLessThanOrEqual(100);
    expect(admitted).toBeGreaterThanOrEqual(95);
    expect(verdicts.filter((v) => v.outcome === "deny").length).toBe(1000 - admitted);
  });

  it("split over sub-counters, hold the limit with each partition holding its share", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, table, stop } = instances(4, clock);
    const p = policy({ requests: 100, shards: 4 });
    const verdicts = await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) => limiters[i % 4]?.check("sharded", p, caller, "r") ?? Promise.reject(),
      ),
    );
    stop();
    const admitted = verdicts.filter((v) => v.outcome === "allow").length;
    expect(admitted).toBeLessThanOrEqual(100);
    expect(admitted).toBeGreaterThanOrEqual(90);
    const counters: { partitionKey?: string; count?: number }[] = [];
    for await (const entity of table.listEntities<{ count: number }>()) counters.push(entity);
    // Four partitions, none past its quarter of the budget.
    expect(new Set(counters.map((c) => c.partitionKey)).size).toBe(4);
    for (const counter of counters) expect(counter.count).toBeLessThanOrEqual(25);
  });

  it("start again in the next window", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, stop } = instances(2, clock);
    const p = policy({ requests: 10 });
    const take = async (n: number) =>
      (
        await Promise.all(Array.from({ length: n }, (_, i) => limiters[i % 2]?.check("w", p, caller, "r")))
      ).filter((v) => v?.outcome === "allow").length;
    expect(await take(30)).toBe(10);
    clock.advance(60_000);
    expect(await take(30)).toBe(10);
    stop();
  });

  it("say when to retry, to the second, with RateLimit headers", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 17) + 300);
    const { limiters, stop } = instances(1, clock);
    const p = policy({ requests: 2 });
    const [limiter] = limiters;
    if (!limiter) throw new Error("no limiter");
    const first = await limiter.check("per-app", p, caller, "r");
    expect(first.outcome).toBe("allow");
    expect(first.headers).toEqual({
      "ratelimit-policy": '"per-app";q=2;w=60',
      ratelimit: '"per-app";r=1;t=43',
    });
    await limiter.check("per-app", p, caller, "r");
    const over = await limiter.check("per-app", p, caller, "r");
    expect(over.outcome).toBe("deny");
    // 42.7 s are left in the window: a client told 42 would come back too early.
    expect(over.retryAfterSeconds).toBe(43);
    expect(over.headers?.ratelimit).toBe('"per-app";r=0;t=43');
    stop();
  });

  it("cost at most 0.05 storage calls per admitted request under the limit", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, counter, stop } = instances(4, clock);
    const p = policy({ requests: 10_000 });
    let admitted = 0;
    // Steady traffic: 2,000 requests spread over the window, four instances.
    for (let i = 0; i < 2000; i++) {
      const verdict = await limiters[i % 4]?.check("steady", p, caller, "r");
      if (verdict?.outcome === "allow") admitted++;
      clock.advance(20);
    }
    stop();
    expect(admitted).toBe(2000);
    expect(counter.calls / admitted).toBeLessThanOrEqual(0.05);
  });

  it("report-only limits count but never refuse", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, stop } = instances(1, clock);
    const p = policy({ requests: 3, reportOnly: true });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++)
      outcomes.push((await limiters[0]?.check("shadow", p, caller, "r"))?.outcome ?? "");
    stop();
    expect(outcomes).toEqual(["allow", "allow", "allow", "report_only_deny", "report_only_deny"]);
  });
});

describe("answers without a promise (checkNow)", () => {
  it("come only from permits in hand or a spent budget, never past the limit, and leave the rest to storage", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, counter, stop } = instances(2, clock);
    const p = policy({ requests: 40 });
    const [first, second] = limiters;
    if (!first || !second) throw new Error("no limiters");
    // Nothing leased yet: only storage can answer.
    expect(first.checkNow("now", p, caller, "r")).toBeUndefined();
    const outcomes: string[] = [];
    let fromHand = 0;
    for (let i = 0; i < 100; i++) {
      const limiter = i % 2 === 0 ? first : second;
      const callsBefore = counter.calls;
      const now = limiter.checkNow("now", p, caller, "r");
      if (now !== undefined) {
        fromHand++;
        // Decided in memory: storage was not asked for it.
        expect(counter.calls).toBe(callsBefore);
      }
      outcomes.push((now ?? (await limiter.check("now", p, caller, "r"))).outcome);
    }
    expect(outcomes.filter((o) => o === "allow").length).toBeLessThanOrEqual(40);
    expect(outcomes.filter((o) => o === "allow").length).toBeGreaterThanOrEqual(35);
    expect(outcomes.slice(-10)).toEqual(Array(10).fill("deny"));
    expect(fromHand).toBeGreaterThan(50);
    // A spent budget is refused at once, with when to come back.
    const refused = first.checkNow("now", p, caller, "r");
    expect(refused).toMatchObject({ outcome: "deny", retryAfterSeconds: 55 });
    // Permits and spent budgets die with their window: the next one starts from storage.
    clock.advance(60_000);
    expect(first.checkNow("now", p, caller, "r")).toBeUndefined();
    expect((await first.check("now", p, caller, "r")).outcome).toBe("allow");
    stop();
  });
});

describe("approximate limits", () => {
  it("stay within the stated bound, with storage off the request path", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, counter, stop } = instances(4, clock);
    const p = policy({ requests: 1000, mode: "approximate" });
    let admitted = 0;
    // 4,000 requests over 4 s at 250 per instance per second; each instance syncs once a second.
    for (let i = 0; i < 4000; i++) {
      const verdict = await limiters[i % 4]?.check("approx", p, caller, "r");
      if (verdict?.outcome === "allow") admitted++;
      clock.advance(1);
      if (i % 1000 === 999) await Promise.all(limiters.map((l) => l.flush()));
    }
    stop();
    // Bound: (instances - 1) x per-instance rate x sync interval = 3 x 250 x 1 s = 750.
    expect(admitted).toBeGreaterThanOrEqual(1000);
    expect(admitted).toBeLessThanOrEqual(1000 + 750);
    expect(counter.calls / admitted).toBeLessThanOrEqual(0.05);
  });
});

describe("storage down", () => {
  it("strict fails closed by default, open when told, within the storage timeout", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 5));
    const { limiters, counter, stop } = instances(1, clock, 500);
    const [limiter] = limiters;
    if (!limiter) throw new Error("no limiter");
    // A limit of 40 leases 5 permits at a time.
    const closed = policy({ requests: 40 });
    const open = policy({ requests: 40, onStorageError: "open" });
    expect((await limiter.check("closed", closed, caller, "r")).outcome).toBe("allow");
    expect((await limiter.check("other", closed, caller, "r")).outcome).toBe("allow");
    await azurite.stop();
    try {
      // Permits already leased are still spent...
      for (let i = 0; i < 4; i++)
        expect((await limiter.check("closed", closed, caller, "r")).outcome).toBe("allow");
      // ...then a lease is needed and storage does not answer within its timeout (500 ms).
      const started = Date.now();
      const refused = await limiter.check("closed", closed, caller, "r");
      expect(refused.outcome).toBe("storage_closed");
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(Date.now() - started).toBeLessThan(1000);
      // Right after a failure, storage is not tried again: no call is made for this answer.
      const callsBefore = counter.calls;
      expect((await limiter.check("closed", closed, caller, "r")).outcome).toBe("storage_closed");
      expect(counter.calls).toBe(callsBefore);
      expect((await limiter.check("open", open, caller, "r")).outcome).toBe("storage_open");
      // A permit in hand under another limit is still spent, without a promise, and says nothing
      // of storage: the breaker stays open, so the first limit still answers without a call.
      // Through check() as through checkNow().
      expect(limiter.checkNow("other", closed, caller, "r")).toMatchObject({ outcome: "allow" });
      expect((await limiter.check("other", closed, caller, "r")).outcome).toBe("allow");
      expect(limiter.checkNow("closed", closed, caller, "r")).toBeUndefined();
      const spent = counter.calls;
      expect((await limiter.check("closed", closed, caller, "r")).outcome).toBe("storage_closed");
      expect(counter.calls).toBe(spent);
    } finally {
      await azurite.restart();
      stop();
    }
  });
});
