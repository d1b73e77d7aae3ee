import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../shared/bounded-cache.js";

const never = () => false;

describe("BoundedCache", () => {
  it("keeps at most maxEntries, dropping the oldest; a hit keeps an entry only when refreshOnHit", () => {
    for (const refreshOnHit of [true, false]) {
      const cache = new BoundedCache<number>({ maxEntries: 2, refreshOnHit });
      cache.set("a", 1);
      cache.set("b", 2);
      expect(cache.get("a", never)).toBe(1);
      cache.set("c", 3);
      expect(cache.size).toBe(2);
      // Least recently used goes first with refreshOnHit; the oldest inserted without it.
      expect(cache.get("a", never)).toBe(refreshOnHit ? 1 : undefined);
      expect(cache.get("b", never)).toBe(refreshOnHit ? undefined : 2);
    }
  });

  it("never hands out an expired entry, and forgets it", () => {
    const cache = new BoundedCache<{ until: number }>({ maxEntries: 5, refreshOnHit: false });
    cache.set("t", { until: 10 });
    expect(cache.get("t", (entry) => 9 >= entry.until)).toEqual({ until: 10 });
    expect(cache.get("t", (entry) => 10 >= entry.until)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("stores nothing when maxEntries is 0", () => {
    const cache = new BoundedCache<number>({ maxEntries: 0, refreshOnHit: true });
    cache.set("a", 1);
    expect(cache.enabled).toBe(false);
    expect(cache.get("a", never)).toBeUndefined();
  });
});
