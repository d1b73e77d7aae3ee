import { describe, expect, it } from "vitest";
import { limitKey } from "../../../shared/limits/limit-key.js";
import { limitPolicySchema } from "../../../shared/limits/limit-policy.js";
import { rateLimitHeaders } from "../../../shared/limits/ratelimit-headers.js";
import { leaseSize } from "../../../shared/limits/strict-limiter.js";
import { secondsUntilReset, windowAt } from "../../../shared/limits/windows.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import { principal } from "../../../tools/loopback/principal.js";

describe("limit policies in the policy document", () => {
  it("reads windows from seconds to days and fills in defaults", () => {
    const parse = (window: unknown) => limitPolicySchema.parse({ requests: 10, window });
    expect(parse("30s").window).toBe(30);
    expect(parse("5m").window).toBe(300);
    expect(parse("1h").window).toBe(3600);
    expect(parse("1d").window).toBe(86_400);
    expect(parse(45).window).toBe(45);
    const strict = parse("1m");
    expect(strict).toMatchObject({
      mode: "strict",
      key: ["tenant", "clientApp", "objectId"],
      onStorageError: "closed",
    });
    const approximate = limitPolicySchema.parse({ requests: 10, window: "1m", mode: "approximate" });
    expect(approximate.onStorageError).toBe("open");
  });

  it("refuses bad windows, unknown keys and unknown references with the field's path", () => {
    const doc = (rateLimits: object, rateLimit = "per-app") =>
      JSON.stringify({
        version: 1,
        rateLimits,
        rules: [{ id: "r", methods: ["GET"], path: "/x", rateLimit }],
      });
    const errors = (text: string) => {
      const result = parsePolicy(text);
      return result.ok ? [] : result.errors;
    };
    expect(errors(doc({ "per-app": { requests: 10, window: "1w" } }))[0]).toContain(
      "rateLimits[\"per-app\"].window: '1w' is not a window",
    );
    expect(errors(doc({ "per-app": { requests: 10, window: "1m", key: ["email"] } }))[0]).toContain(
      'rateLimits["per-app"].key[0]',
    );
    expect(errors(doc({ "per-app": { requests: 0, window: "1m" } }))[0]).toContain("must be at least 1");
    expect(errors(doc({ "per-app": { requests: 10, window: "1m", burst: 3 } }))[0]).toContain("burst");
    expect(errors(doc({ "per-app": { requests: 10, window: "1m" } }, "per-user"))).toEqual([
      "rules[0].rateLimit: 'per-user' is not a policy under 'rateLimits' (defined: per-app)",
    ]);
  });
});

describe("window arithmetic", () => {
  it("aligns windows to the epoch so every instance agrees", () => {
    expect(windowAt(125_000, 60)).toEqual({ start: 120_000, end: 180_000 });
    expect(windowAt(120_000, 60)).toEqual({ start: 120_000, end: 180_000 });
  });
  it("counts whole seconds to the reset, never 0", () => {
    const w = windowAt(120_000, 60);
    expect(secondsUntilReset(w, 120_000)).toBe(60);
    expect(secondsUntilReset(w, 178_001)).toBe(2);
    expect(secondsUntilReset(w, 179_999)).toBe(1);
  });
});

describe("leases", () => {
  it("shrink with the remaining budget down to one permit at a time", () => {
    expect(leaseSize(100)).toBe(12);
    expect(leaseSize(16)).toBe(2);
    expect(leaseSize(7)).toBe(1);
    expect(leaseSize(1)).toBe(1);
    expect(leaseSize(0)).toBe(0);
  });
  it("take no more than about an eighth of what this instance recently asked for", () => {
    // 5,000 left, but this instance saw only 16 requests a window: 3 permits, not 625.
    expect(leaseSize(5000, 16)).toBe(3);
    expect(leaseSize(5000, 0)).toBe(1);
    // A busy instance is still capped by an eighth of what is left.
    expect(leaseSize(5000, 100_000)).toBe(625);
    expect(leaseSize(0, 100)).toBe(0);
  });
});

describe("limit keys", () => {
  const policy = (key: ("tenant" | "clientApp" | "objectId" | "clientIp")[], perRoute = false) =>
    limitPolicySchema.parse({ requests: 1, window: 60, key, perRoute });

  it("keyed by clientIp, count per address, with or without a verified caller (public rules)", () => {
    const byIp = policy(["clientIp"]);
    expect(limitKey("a", byIp, undefined, "r", "203.0.113.7")).toBe(
      limitKey("a", byIp, undefined, "r", "203.0.113.7"),
    );
    expect(limitKey("a", byIp, undefined, "r", "203.0.113.7")).not.toBe(
      limitKey("a", byIp, undefined, "r", "203.0.113.8"),
    );
    // The same caller from two addresses is charged twice; a principal's memo never serves the other address.
    const p = principal();
    expect(limitKey("a", byIp, p, "r", "203.0.113.7")).not.toBe(limitKey("a", byIp, p, "r", "203.0.113.8"));
    expect(() => limitKey("a", policy(["objectId"]), undefined, "r", "203.0.113.7")).toThrow(
      "rate-limit key 'objectId' needs a verified caller",
    );
  });

  it("come from verified claims only, per policy, and per route when asked", () => {
    const p = principal();
    expect(limitKey("a", policy(["clientApp"]), p, "r1")).toBe(limitKey("a", policy(["clientApp"]), p, "r2"));
    expect(limitKey("a", policy(["clientApp"], true), p, "r1")).not.toBe(
      limitKey("a", policy(["clientApp"], true), p, "r2"),
    );
    expect(limitKey("a", policy(["clientApp"]), p, "r")).not.toBe(
      limitKey("b", policy(["clientApp"]), p, "r"),
    );
    // Two users of one client app share an app-keyed budget, but not an objectId-keyed one.
    const other = principal({ objectId: "33333333-3333-4333-8333-333333333333" });
    expect(limitKey("a", policy(["clientApp"]), p, "r")).toBe(
      limitKey("a", policy(["clientApp"]), other, "r"),
    );
    expect(limitKey("a", policy(["objectId"]), p, "r")).not.toBe(
      limitKey("a", policy(["objectId"]), other, "r"),
    );
  });

  it("are safe Table partition keys whatever the claim values", () => {
    const key = limitKey("per-app", policy(["tenant"]), principal({ tenantId: "a/b\\c#d?e" }), "r");
    expect(key).toMatch(/^per-app~[A-Za-z0-9_-]{27}$/);
  });
});

describe("RateLimit headers", () => {
  it("are the IETF structured fields", () => {
    expect(
      rateLimitHeaders({ policy: "per-app", limit: 100, windowSeconds: 60, remaining: 7, resetSeconds: 42 }),
    ).toEqual({
      "ratelimit-policy": '"per-app";q=100;w=60',
      ratelimit: '"per-app";r=7;t=42',
    });
  });
});
