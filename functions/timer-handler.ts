// The timer trigger's handler, kept apart from its registration so that tests drive it directly
// with an InvocationContext and a timer payload: it runs the timer job and logs through the
// invocation, so each run's lines land in the function's own log.

import "./telemetry-bootstrap.js";
import type { InvocationContext, Timer } from "@azure/functions";
import type { TimerJob } from "../shared/timer-job.js";

/** `job` may load the job's code on its first run (functions/timer.ts does). */
export function timerHandler(
  job: () => TimerJob | Promise<TimerJob>,
): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (timer, context) => {
    if (timer.isPastDue)
      context.warn("this run is late: the schedule was missed (the app was stopped or busy)");
    await (await job()).run({ info: (line) => context.log(line), warn: (line) => context.warn(line) });
  };
}
