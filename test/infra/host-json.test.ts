// host.json's telemetry: tollgate's decision spans are the `requests` rows; the host's own row per
// invocation (unsampled, Host.Results at Information) would double ingestion at the rates tollgate
// is built for (README, Telemetry), so only failed invocations get one.

import { describe, expect, it } from "vitest";
import { readJson } from "./support/infra-files.js";

const host = readJson<{
  logging: {
    logLevel: Record<string, string>;
    applicationInsights: { samplingSettings: { isEnabled: boolean; excludedTypes?: string } };
  };
}>("host.json");

describe("host.json: the host's requests rows", () => {
  it("logs invocation results only when they fail (Host.Results at Warning)", () => {
    expect(host.logging.logLevel["Host.Results"]).toBe("Warning");
  });

  it("leaves Request to sampling, keeps exceptions unsampled", () => {
    const sampling = host.logging.applicationInsights.samplingSettings;
    expect(sampling.isEnabled).toBe(true);
    const excluded = (sampling.excludedTypes ?? "").split(";").map((t) => t.trim());
    expect(excluded).not.toContain("Request");
    expect(excluded).toContain("Exception");
  });
});
