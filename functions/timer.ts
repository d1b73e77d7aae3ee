// The timer trigger: on its schedule (TOLLGATE_TIMER_SCHEDULE, default every 15 minutes), refresh
// the signing-key snapshot in Table Storage and run the token-lifetime audit; at start as well
// when running locally. Registration only; the work is in shared/timer-job.ts, loaded on the
// first run: the audit, Graph and snapshot-writing code is not what a cold start's first request
// needs, so the worker does not compile and evaluate it before answering.

import "./telemetry-bootstrap.js";
import { app } from "@azure/functions";
import { telemetryFor } from "../shared/telemetry/start-telemetry.js";
import type { TimerJob } from "../shared/timer-job.js";
import { timerHandler } from "./timer-handler.js";
import { settings } from "./tollgate-app.js";

export const TIMER_FUNCTION = "keysAndAudit";

let job: Promise<TimerJob> | undefined;

app.timer(TIMER_FUNCTION, {
  schedule: settings.timerSchedule,
  // Locally (Core Tools sets AZURE_FUNCTIONS_ENVIRONMENT=Development) at start as well, so a fresh
  // Azurite has a snapshot at once. In Azure not: Microsoft advises against runOnStartup (every
  // scale-out and restart runs it), and the gateway fetches keys itself when no snapshot exists.
  runOnStartup: process.env.AZURE_FUNCTIONS_ENVIRONMENT === "Development",
  handler: timerHandler(() => {
    // Key refresh results and audit findings become Application Insights custom events.
    job ??= import("../shared/timer-job.js")
      .then(({ createTimerJob }) => createTimerJob(settings, { telemetry: telemetryFor(settings.telemetry) }))
      .catch((error: unknown) => {
        // Not kept: the next run tries again, as a job that failed to build always has.
        job = undefined;
        throw error;
      });
    return job;
  }),
});
