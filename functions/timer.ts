// The timer trigger: on its schedule (TOLLGATE_TIMER_SCHEDULE, default every 15 minutes) and when
// the app starts, refresh the signing-key snapshot in Table Storage and run the token-lifetime
// audit. Registration only; the work is in shared/timer-job.ts.

import "./telemetry-bootstrap.js";
import { app } from "@azure/functions";
import { telemetryFor } from "../shared/telemetry/start-telemetry.js";
import { createTimerJob, type TimerJob } from "../shared/timer-job.js";
import { timerHandler } from "./timer-handler.js";
import { settings } from "./tollgate-app.js";

export const TIMER_FUNCTION = "keysAndAudit";

let job: TimerJob | undefined;

app.timer(TIMER_FUNCTION, {
  schedule: settings.timerSchedule,
  // At start as well, so a new deployment has a snapshot and findings without waiting a period.
  // Each run is idempotent and writes only what changed, so extra runs on scale-out cost little.
  runOnStartup: true,
  handler: timerHandler(() => {
    // Key refresh results and audit findings become Application Insights custom events.
    job ??= createTimerJob(settings, { telemetry: telemetryFor(settings.telemetry) });
    return job;
  }),
});
