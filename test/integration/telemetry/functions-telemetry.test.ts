// Telemetry as the Functions host loads the app: the built `main` files with a stand-in for the
// worker's core module. Telemetry starts before anything else, or the app refuses to load.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOOD_ENV, loadFunctionsApp } from "../../support/functions-app.js";
import { startTelemetryReceiver, type TelemetryReceiver } from "../../support/telemetry-receiver.js";

const goodEnv = { ...GOOD_ENV, APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: "true" };

let receiver: TelemetryReceiver;
beforeAll(async () => {
  receiver = await startTelemetryReceiver();
});
afterAll(async () => {
  await receiver?.stop();
});

const loadApp = (env: Record<string, string | undefined>) => loadFunctionsApp({ ...goodEnv, ...env });

const telemetryLines = (stderr: string) =>
  stderr.split("\n").filter((line) => /telemetry|Application Insights/i.test(line));

describe("the Functions app's telemetry", () => {
  it("without a connection string: loads, and says telemetry is off in one line", () => {
    const run = loadApp({});
    expect(run.status).toBe(0);
    expect(telemetryLines(run.stderr)).toEqual([
      "[tollgate] APPLICATIONINSIGHTS_CONNECTION_STRING is not set: telemetry to Application Insights is off.",
    ]);
  });

  it("with a connection string: starts the exporter and says so in one line", () => {
    const run = loadApp({
      APPLICATIONINSIGHTS_CONNECTION_STRING: receiver.connectionString,
      NODE_EXTRA_CA_CERTS: receiver.caFile,
    });
    expect(run.status).toBe(0);
    expect(telemetryLines(run.stderr)).toEqual([
      "[tollgate] telemetry goes to Application Insights (at most 5 decision spans a second; metrics unsampled).",
    ]);
    const loaded = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}");
    expect(loaded.registrations.length).toBeGreaterThan(0);
  });

  it("with a malformed connection string: refuses to load, naming the setting", () => {
    const run = loadApp({ APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=not-a-guid" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "tollgate cannot start: APPLICATIONINSIGHTS_CONNECTION_STRING has an InstrumentationKey that is not a GUID.",
    );
    expect(run.stderr).toContain("Example: APPLICATIONINSIGHTS_CONNECTION_STRING=InstrumentationKey=");
    expect(run.stderr).not.toContain("not-a-guid");
  });
});
