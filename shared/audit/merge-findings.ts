// How one audit run updates the stored findings: a finding seen again keeps its first-seen time,
// a new one starts its own, and (only after a run that checked everything) one no longer seen is
// marked resolved rather than forgotten.

import type { Finding, FindingEvent, FindingSource } from "./finding.js";

export interface MergedFindings {
  /** Findings to write (new, seen again, or just resolved). */
  save: Finding[];
  events: FindingEvent[];
}

export function mergeFindings(
  stored: readonly Finding[],
  found: readonly Finding[],
  source: FindingSource,
  now: number,
  complete: boolean,
): MergedFindings {
  const before = new Map(stored.filter((f) => f.source === source).map((f) => [f.id, f]));
  const save: Finding[] = [];
  const events: FindingEvent[] = [];
  const seen = new Set<string>();
  for (const finding of found) {
    if (seen.has(finding.id)) continue;
    seen.add(finding.id);
    const prior = before.get(finding.id);
    const { resolvedAt: _, ...current } = finding;
    const merged: Finding = {
      ...current,
      firstSeen: prior === undefined ? finding.firstSeen : Math.min(prior.firstSeen, finding.firstSeen),
      lastSeen: Math.max(prior?.lastSeen ?? finding.lastSeen, finding.lastSeen),
    };
    save.push(merged);
    const state = prior === undefined || prior.resolvedAt !== undefined ? "new" : "open";
    events.push({ type: "finding", state, finding: merged });
  }
  if (complete) {
    for (const prior of before.values()) {
      if (seen.has(prior.id) || prior.resolvedAt !== undefined) continue;
      const resolved = { ...prior, resolvedAt: now };
      save.push(resolved);
      events.push({ type: "finding", state: "resolved", finding: resolved });
    }
  }
  return { save, events };
}
