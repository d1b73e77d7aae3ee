// How a run's findings update the stored ones: first seen kept, reappearance is new, and
// resolution only after a run that checked everything.

import { describe, expect, it } from "vitest";
import type { Finding } from "../../../shared/audit/finding.js";
import { mergeFindings } from "../../../shared/audit/merge-findings.js";

const T0 = Date.UTC(2026, 2, 1, 9);

function finding(id: string, seenAt: number, extra: Partial<Finding> = {}): Finding {
  return {
    id,
    source: "configured",
    code: "policy_lifetime_too_long",
    severity: "high",
    subject: `policy ${id}`,
    seen: "seen",
    why: "why",
    fix: "fix",
    firstSeen: seenAt,
    lastSeen: seenAt,
    ...extra,
  };
}

describe("mergeFindings", () => {
  it("keeps the first-seen time of a finding seen again and moves its last-seen time", () => {
    const merged = mergeFindings(
      [finding("a", T0)],
      [finding("a", T0 + 900_000)],
      "configured",
      T0 + 900_000,
      true,
    );
    expect(merged.events).toEqual([
      {
        type: "finding",
        state: "open",
        finding: expect.objectContaining({ firstSeen: T0, lastSeen: T0 + 900_000 }),
      },
    ]);
  });

  it("resolves a finding no longer seen only after a complete run, and never touches the other source", () => {
    const stored = [finding("a", T0), finding("obs", T0, { source: "observed" })];
    expect(mergeFindings(stored, [], "configured", T0 + 1, false)).toEqual({ save: [], events: [] });
    const complete = mergeFindings(stored, [], "configured", T0 + 1, true);
    expect(complete.events).toEqual([
      {
        type: "finding",
        state: "resolved",
        finding: expect.objectContaining({ id: "a", resolvedAt: T0 + 1 }),
      },
    ]);
  });

  it("calls a resolved finding that comes back new, and clears its resolution", () => {
    const merged = mergeFindings(
      [finding("a", T0, { resolvedAt: T0 + 5 })],
      [finding("a", T0 + 10)],
      "configured",
      T0 + 10,
      true,
    );
    expect(merged.events[0]?.state).toBe("new");
    expect(merged.save[0]?.resolvedAt).toBeUndefined();
    expect(merged.save[0]?.firstSeen).toBe(T0);
  });
});
