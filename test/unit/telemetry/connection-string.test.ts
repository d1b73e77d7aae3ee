import { describe, expect, it } from "vitest";
import { SettingsError } from "../../../shared/config/settings.js";
import { parseConnectionString } from "../../../shared/telemetry/connection-string.js";

const KEY = "5b6c9f7e-0a1b-4c2d-8e3f-4a5b6c7d8e9f";

describe("APPLICATIONINSIGHTS_CONNECTION_STRING", () => {
  it("accepts the portal's form and rebuilds it without empty parts", () => {
    const parsed = parseConnectionString(
      ` InstrumentationKey=${KEY.toUpperCase()};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=11111111-2222-3333-4444-555555555555; `,
    );
    expect(parsed).toEqual({
      value: `InstrumentationKey=${KEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=11111111-2222-3333-4444-555555555555`,
      entraAuth: false,
    });
  });

  it("notices Entra authentication for ingestion", () => {
    expect(parseConnectionString(`InstrumentationKey=${KEY};Authorization=AAD`).entraAuth).toBe(true);
  });

  it.each([
    ["garbage", "not-a-connection-string", "is not an Application Insights connection string"],
    ["a value holding '='", `InstrumentationKey=${KEY};IngestionEndpoint=https://x/?a=b`, "Key=Value pairs"],
    ["no key", "IngestionEndpoint=https://dc.services.visualstudio.com/", "has no InstrumentationKey"],
    ["a key that is not a GUID", "InstrumentationKey=abc", "has an InstrumentationKey that is not a GUID"],
    [
      "a key named twice",
      `InstrumentationKey=${KEY};instrumentationkey=${KEY}`,
      "names instrumentationkey twice",
    ],
    ["an http endpoint", `InstrumentationKey=${KEY};IngestionEndpoint=http://127.0.0.1:1/`, "is not https"],
    ["an endpoint that is no URL", `InstrumentationKey=${KEY};IngestionEndpoint=westeurope`, "is not a URL"],
    [
      "an unknown authorization",
      `InstrumentationKey=${KEY};Authorization=Basic`,
      "Authorization other than AAD",
    ],
  ])("refuses %s with a message naming the setting and an example", (_, value, problem) => {
    let error: unknown;
    try {
      parseConnectionString(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as SettingsError).message;
    expect(message).toMatch(/^tollgate cannot start: APPLICATIONINSIGHTS_CONNECTION_STRING /);
    expect(message).toContain(problem);
    expect(message).toContain("Example: APPLICATIONINSIGHTS_CONNECTION_STRING=InstrumentationKey=");
    expect(message).not.toContain(KEY);
  });
});
