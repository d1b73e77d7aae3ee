// A steady caller under a strict limit, against Azurite: the next lease is taken while permits
// are still in hand, so no request in the middle of a window waits for storage — only the
// window's first, which has nothing to spend yet. Storage calls are held at a gate the test opens,
// so "waited for storage" is seen directly rather than inferred from timing.

import type { TableClient } from "@azure/data-tables";
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

/** Holds every call to the client until `open()`; counts those held and those still running. */
function gated(client: TableClient) {
  const held: (() => void)[] = [];
  let running = 0;
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "constructor") return value;
      return async (...args: unknown[]) => {
        running++;
        try {
          await new Promise<void>((resolve) => held.push(resolve));
          return await value.apply(target, args);
        } finally {
          running--;
        }
      };
    },
  });
  return {
    client: proxy,
    get held() {
      return held.length;
    },
    get running() {
      return running;
    },
    open() {
      for (const release of held.splice(0)) release();
    },
  };
}

const settled = async <T>(promise: Promise<T>): Promise<boolean> => {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  // A take served from permits in hand settles within microtasks; one macrotask turn is plenty.
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

/** Opens the gate until no storage call is held or running: every lease in flight has landed. */
async function drain(gate: ReturnType<typeof gated>): Promise<void> {
  while (gate.held > 0 || gate.running > 0) {
    gate.open();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe("strict limits for a steady caller", () => {
  it("wait for storage once per window, at its start, not at every lease", async () => {
    const factory = createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 });
    const gate = gated(factory(`prefetch${Date.now().toString(36)}`));
    const counters = new WindowCounterTable({ client: gate.client, storageTimeoutMs: 10_000 });
    const clock = new ManualClock(Date.UTC(2026, 11, 2, 12, 0, 0));
    const limiter = new StrictLimiter(counters, clock);
    const limit = 1_000_000;

    /** Takes `count` permits one after another; returns how many takes had to wait for storage. */
    const spend = async (count: number) => {
      let waited = 0;
      for (let i = 0; i < count; i++) {
        const take = limiter.take("steady", limit, 60);
        if (!(await settled(take))) {
          waited++;
          await drain(gate);
        }
        expect((await take).allowed).toBe(true);
        // Whatever lease the take started in the background lands before the next request:
        // the caller is steady, and storage answers between its requests.
        await drain(gate);
      }
      return waited;
    };

    // The first window sets the demand that sizes the next window's leases (an eighth of it).
    await spend(400);
    clock.advance(60_000);
    // 800 requests at leases of ~51 permits: about 15 leases in the window, and one wait.
    expect(await spend(800)).toBe(1);
  }, 120_000);
});
