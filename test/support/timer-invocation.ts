// What the Functions host hands a timer trigger, built the way the host does: an
// InvocationContext from @azure/functions (its documented test constructor) whose log lines are
// kept, and a timer payload with the schedule status the host fills in.

import { format } from "node:util";
import { InvocationContext, type Timer } from "@azure/functions";

export interface LoggedLine {
  level: string;
  text: string;
}

export function timerContext(lines: LoggedLine[], functionName = "keysAndAudit"): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: crypto.randomUUID(),
    logHandler: (level, ...args) => lines.push({ level, text: format(...args) }),
  });
}

export function timerPayload(nowMs: number, isPastDue = false): Timer {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    isPastDue,
    schedule: { adjustForDST: true },
    scheduleStatus: {
      last: iso(nowMs - 15 * 60_000),
      next: iso(nowMs + 15 * 60_000),
      lastUpdated: iso(nowMs),
    },
  };
}
