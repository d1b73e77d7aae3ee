// The settings of the timer function, the removed-key grace and the token-lifetime audit: their
// defaults, and refusals that name the setting with an example of a right value.

import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../../shared/config/settings.js";

const BASE = {
  TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  TOLLGATE_AUDIENCES: "api://tollgate-demo,11111111-2222-3333-4444-555555555555",
  TOLLGATE_STORAGE: "UseDevelopmentStorage=true",
};

function problems(env: Record<string, string>): string[] {
  try {
    loadSettings({ ...BASE, ...env });
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("timer and audit settings", () => {
  it("default to every 15 minutes, 90 minutes / 28 hours, a 15-minute floor, no Graph, no enforcement", () => {
    const settings = loadSettings(BASE);
    expect(settings.timerSchedule).toBe("0 */15 * * * *");
    expect(settings.keys).toMatchObject({ removedKeyGraceSeconds: 300, snapshotCheckSeconds: 60 });
    expect(settings.audit).toEqual({
      maxLifetimeSeconds: 5400,
      maxCaeLifetimeSeconds: 100800,
      minLifetimeSeconds: 900,
      graph: false,
      graphUrl: "https://graph.microsoft.com",
      // The API's client id is taken from the audiences when one is a GUID.
      apiAppId: "11111111-2222-3333-4444-555555555555",
      enforce: false,
    });
  });

  it("take values that are right", () => {
    const settings = loadSettings({
      ...BASE,
      TOLLGATE_TIMER_SCHEDULE: " 0  */5 * * * * ",
      TOLLGATE_AUDIT_GRAPH: "true",
      TOLLGATE_AUDIT_GRAPH_URL: "https://graph.microsoft.us/",
      TOLLGATE_AUDIT_API_APP_ID: "AAAAAAAA-2222-3333-4444-555555555555",
      TOLLGATE_AUDIT_ENFORCE: "true",
      TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: "0",
    });
    expect(settings.timerSchedule).toBe("0 */5 * * * *");
    expect(settings.audit).toMatchObject({
      graph: true,
      graphUrl: "https://graph.microsoft.us",
      apiAppId: "aaaaaaaa-2222-3333-4444-555555555555",
      enforce: true,
    });
    expect(settings.keys.removedKeyGraceSeconds).toBe(0);
  });

  it.each([
    ["TOLLGATE_TIMER_SCHEDULE", "*/15 * * * *", "is not an NCRONTAB schedule of six fields"],
    ["TOLLGATE_AUDIT_GRAPH_URL", "http://graph.example.com", "must be an https origin without a path"],
    [
      "TOLLGATE_AUDIT_GRAPH_URL",
      "https://graph.microsoft.com/v1.0",
      "must be an https origin without a path",
    ],
    ["TOLLGATE_AUDIT_API_APP_ID", "orders-api", "is not an application (client) id or object id GUID"],
    ["TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS", "90m", "is not a whole number"],
    ["TOLLGATE_AUDIT_GRAPH", "yes", "is not true or false"],
  ])("refuse a wrong %s, naming it with an example", (name, value, message) => {
    const found = problems({ [name]: value });
    expect(found).toEqual([expect.stringContaining(`${name} '`)]);
    expect(found[0]).toContain(message);
    expect(found[0]).toContain(`Example: ${name}=`);
  });

  it("allow plain http for Graph only on loopback, for a stand-in", () => {
    expect(loadSettings({ ...BASE, TOLLGATE_AUDIT_GRAPH_URL: "http://127.0.0.1:8123" }).audit.graphUrl).toBe(
      "http://127.0.0.1:8123",
    );
  });
});
