import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../../shared/bounded-cache.js";
import type { Principal } from "../../../shared/token/principal.js";
import { TOKEN_CACHE_MAX_BYTES, tokenCacheEntryBytes } from "../../../shared/token/token-cache-size.js";

const principal = (groups: number): Principal =>
  ({
    tenantId: "t",
    objectId: "o",
    subject: "s",
    clientAppId: "c",
    kind: "user",
    scopes: [],
    roles: ["reader"],
    groups: Array.from(
      { length: groups },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    ),
    groupsOverage: false,
    tokenVersion: "2.0",
    audience: "api://x",
    issuedAt: 0,
    expiresAt: 4_000_000_000,
    caeCapable: false,
  }) as Principal;

/** The verified-token cache as TokenValidator builds it. */
const tokenCache = () =>
  new BoundedCache<{ principal: Principal }>({
    maxEntries: 10_000,
    refreshOnHit: false,
    maxBytes: TOKEN_CACHE_MAX_BYTES,
    sizeOf: tokenCacheEntryBytes,
  });
const never = () => false;
const token = (i: number) => `${String(i).padStart(8, "0")}${"a".repeat(16 * 1024 - 8)}`;

describe("the verified-token cache's byte bound", () => {
  it("holds under 32 MiB when pushed past it with 10 000 tokens of 16 KiB and 200 groups each", () => {
    const cache = tokenCache();
    const entry = { principal: principal(200) };
    for (let i = 0; i < 10_000; i++) cache.set(token(i), entry);
    expect(cache.bytes).toBeLessThanOrEqual(TOKEN_CACHE_MAX_BYTES);
    expect(cache.size).toBeLessThan(10_000);
    // The oldest went first; the newest is there.
    expect(cache.get(token(0), never)).toBeUndefined();
    expect(cache.get(token(9_999), never)).toBeDefined();
  });

  it("keeps ordinary tokens up to the entry bound, and counts a replaced token once", () => {
    const cache = tokenCache();
    const entry = { principal: principal(0) };
    for (let i = 0; i < 10_050; i++) cache.set(`token-${i}`, entry);
    expect(cache.size).toBe(10_000);
    const before = cache.bytes;
    cache.set("token-10049", entry);
    expect(cache.bytes).toBe(before);
  });
});
