// A process's CPU time so far, all its threads together (garbage collection and the thread pool
// included), read from /proc where Linux has it; undefined elsewhere.

import { readFileSync } from "node:fs";

/** The kernel counts in clock ticks; 100 per second on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces: count fields after its end.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
