import { describe, expect, it } from "vitest";
import { loadTelemetrySettings, SettingsError } from "../../../shared/config/settings.js";

describe("telemetry settings", () => {
  it("default to the distro's rate-limited sampling and no object id", () => {
    expect(loadTelemetrySettings({})).toEqual({
      tracesPerSecond: 5,
      samplingRatio: 1,
      includeObjectId: false,
    });
  });

  it("read without the settings telemetry does not use (telemetry starts first)", () => {
    expect(
      loadTelemetrySettings({
        TOLLGATE_TENANTS: "contoso.com",
        TOLLGATE_TELEMETRY_TRACES_PER_SECOND: "0",
        TOLLGATE_TELEMETRY_SAMPLING_RATIO: "0.25",
        TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID: "true",
      }),
    ).toEqual({ tracesPerSecond: 0, samplingRatio: 0.25, includeObjectId: true });
  });

  it.each([
    ["TOLLGATE_TELEMETRY_SAMPLING_RATIO", "2", "'2' is not a number from 0 to 1"],
    ["TOLLGATE_TELEMETRY_SAMPLING_RATIO", "50%", "'50%' is not a number from 0 to 1"],
    ["TOLLGATE_TELEMETRY_TRACES_PER_SECOND", "-1", "'-1' is not a number from 0 to 10000"],
    ["TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID", "yes", "'yes' is not true or false"],
  ])("%s=%s is refused with its name and an example", (name, value, problem) => {
    expect(() => loadTelemetrySettings({ [name]: value })).toThrow(SettingsError);
    expect(() => loadTelemetrySettings({ [name]: value })).toThrow(`${name} ${problem}. Example: ${name}=`);
  });
});
