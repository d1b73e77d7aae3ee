// Which observed lifetimes become findings: the limits by CAE capability, the issued-at
// allowance, the refresh-storm floor, and evidence combined across gateway instances and hours.

import { describe, expect, it } from "vitest";
import type { LifetimeLimits } from "../../../shared/audit/lifetime-limits.js";
import type { LifetimeAggregate } from "../../../shared/audit/lifetime-table.js";
import { auditObservedLifetimes } from "../../../shared/audit/observed-audit.js";

const LIMITS: LifetimeLimits = { maxSeconds: 5400, maxCaeSeconds: 28 * 3600, minSeconds: 900 };
const T0 = Date.UTC(2026, 2, 1, 9);
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

function row(
  clientAppId: string,
  maxSeconds: number,
  extra: Partial<LifetimeAggregate> = {},
): LifetimeAggregate {
  return {
    windowStart: T0,
    tenantId: TENANT,
    clientAppId,
    caeCapable: false,
    instanceId: "instance-a",
    count: 10,
    minSeconds: maxSeconds,
    maxSeconds,
    sumSeconds: maxSeconds * 10,
    firstSeen: T0 + 1_000,
    lastSeen: T0 + 60_000,
    ...extra,
  };
}

describe("auditObservedLifetimes", () => {
  it("flags an app with 8-hour tokens and not one with 75-minute tokens", () => {
    const findings = auditObservedLifetimes([row("long-app", 8 * 3600), row("ok-app", 75 * 60)], LIMITS);
    expect(findings.map((f) => [f.code, f.clientAppId, f.severity])).toEqual([
      ["token_lifetime_too_long", "long-app", "high"],
    ]);
    expect(findings[0]?.seen).toContain("live up to 8 h (10 requests");
  });

  it("does not hold the five-minute issued-at allowance against a token", () => {
    expect(auditObservedLifetimes([row("app", 5400 + 300)], LIMITS)).toEqual([]);
    expect(auditObservedLifetimes([row("app", 5400 + 301)], LIMITS)).toHaveLength(1);
  });

  it("gives CAE-capable clients the longer limit, and flags them past it as a warning", () => {
    expect(auditObservedLifetimes([row("cae", 24 * 3600, { caeCapable: true })], LIMITS)).toEqual([]);
    const findings = auditObservedLifetimes([row("cae", 30 * 3600, { caeCapable: true })], LIMITS);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([["cae_token_lifetime_too_long", "warning"]]);
  });

  it("combines instances and hours into one finding per app, first and last seen over the offending rows", () => {
    const findings = auditObservedLifetimes(
      [
        row("app", 8 * 3600, { instanceId: "a", firstSeen: T0 + 5_000, lastSeen: T0 + 10_000 }),
        row("app", 8 * 3600, {
          instanceId: "b",
          windowStart: T0 + 3_600_000,
          firstSeen: T0 + 3_700_000,
          lastSeen: T0 + 3_800_000,
        }),
        row("app", 3600, { instanceId: "c", firstSeen: T0, lastSeen: T0 + 9_000_000 }),
      ],
      LIMITS,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ firstSeen: T0 + 5_000, lastSeen: T0 + 3_800_000 });
    expect(findings[0]?.seen).toContain("(30 requests");
  });

  it("flags an app whose tokens are all shorter than the floor, and not when the floor is 0", () => {
    const rows = [row("storm", 600), row("storm", 700, { instanceId: "b" })];
    expect(auditObservedLifetimes(rows, LIMITS).map((f) => [f.code, f.clientAppId])).toEqual([
      ["token_lifetime_too_short", "storm"],
    ]);
    expect(auditObservedLifetimes(rows, { ...LIMITS, minSeconds: 0 })).toEqual([]);
    // One longer token means the app is not refreshing constantly.
    expect(auditObservedLifetimes([...rows, row("storm", 3600, { instanceId: "c" })], LIMITS)).toEqual([]);
  });
});
