// The access-trail settings: defaults, bounds, and a hash key that is never echoed.

import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../../shared/config/settings.js";

const BASE = {
  TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  TOLLGATE_AUDIENCES: "api://tollgate-demo",
  TOLLGATE_STORAGE: "UseDevelopmentStorage=true",
};

function refusal(env: Record<string, string>): SettingsError {
  try {
    loadSettings({ ...BASE, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error("the settings were accepted");
}

describe("access trail settings", () => {
  it("are on by default, ids in clear, 90 days, 20 refusals a caller a minute", () => {
    expect(loadSettings(BASE).access).toEqual({
      enabled: true,
      hashKey: undefined,
      retentionDays: 90,
      refusalsPerCallerMinute: 20,
    });
  });

  it("refuse a short hash key without echoing it", () => {
    const error = refusal({ TOLLGATE_ACCESS_HASH_KEY: "short-secret-value" });
    expect(error.message).toContain("TOLLGATE_ACCESS_HASH_KEY must be at least 32 characters");
    expect(error.message).not.toContain("short-secret-value");
  });

  it("refuse object ids in telemetry beside pseudonyms", () => {
    const error = refusal({
      TOLLGATE_ACCESS_HASH_KEY: "k".repeat(32),
      TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID: "true",
    });
    expect(error.message).toContain(
      "TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID=true would put object ids in clear",
    );
    expect(error.message).not.toContain("k".repeat(32));
  });

  it("refuse a retention or bound out of range", () => {
    expect(refusal({ TOLLGATE_ACCESS_RETENTION_DAYS: "0" }).message).toContain(
      "TOLLGATE_ACCESS_RETENTION_DAYS '0'",
    );
    expect(refusal({ TOLLGATE_ACCESS_REFUSALS_PER_MINUTE: "-1" }).message).toContain(
      "TOLLGATE_ACCESS_REFUSALS_PER_MINUTE '-1'",
    );
  });
});
