import { describe, expect, it } from "vitest";
import type { KeySource } from "../../../shared/keys/types.js";
import type { Principal } from "../../../shared/token/principal.js";
import { DEFAULT_MAX_CACHE_BYTES, VerifiedTokenCache } from "../../../shared/token/verified-token-cache.js";

const source: KeySource = { id: "v2.0_x", version: "2.0", tenant: "x", discoveryUrl: "http://127.0.0.1/x" };
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

describe("VerifiedTokenCache", () => {
  it("stays under its byte bound when pushed past it with 10 000 tokens of 16 KiB and 200 groups", () => {
    const cache = new VerifiedTokenCache(10_000);
    const entry = { principal: principal(200), source, kid: "k" };
    for (let i = 0; i < 10_000; i++)
      cache.set(`${String(i).padStart(8, "0")}${"a".repeat(16 * 1024 - 8)}`, entry);
    expect(cache.bytes).toBeLessThanOrEqual(DEFAULT_MAX_CACHE_BYTES);
    expect(cache.size).toBeLessThan(10_000);
    // The oldest went first; the newest is there.
    expect(cache.get(`${"00000000"}${"a".repeat(16 * 1024 - 8)}`, 0, 0)).toBeUndefined();
    expect(cache.get(`${"00009999"}${"a".repeat(16 * 1024 - 8)}`, 0, 0)).toBeDefined();
  });

  it("keeps ordinary tokens up to its entry bound, and counts a replaced token once", () => {
    const cache = new VerifiedTokenCache(100);
    const entry = { principal: principal(0), source, kid: "k" };
    for (let i = 0; i < 150; i++) cache.set(`token-${i}`, entry);
    expect(cache.size).toBe(100);
    const before = cache.bytes;
    cache.set("token-149", entry);
    expect(cache.bytes).toBe(before);
  });
});
