// The Functions host's view of the app: the built files `package.json` `main` names, loaded
// with a stand-in for the worker's core module (see test/support/functions-host-standin.mjs).

import { describe, expect, it } from "vitest";
import { GOOD_ENV, loadFunctionsApp } from "../../support/functions-app.js";

const goodEnv = GOOD_ENV;
const loadApp = (env: Record<string, string | undefined>) => loadFunctionsApp(env);

interface Binding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
  runOnStartup?: boolean;
}
interface Registration {
  name: string;
  bindings: Record<string, Binding>;
}

describe("the Functions host's view of the app", () => {
  it("registers every function with its route, methods, auth level and streaming", () => {
    const run = loadApp(goodEnv);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const loaded = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}");
    expect(loaded.files).toContain("dist/bundle/functions/gateway.js");
    expect(loaded.modelName).toBe("@azure/functions");
    // HTTP streaming: the programming model asks for the proxy the host streams bodies through.
    expect(loaded.capabilities.HttpUri).toMatch(/^http:\/\/(127\.0\.0\.1|localhost):\d+/);

    const http = new Map<string, Binding>();
    const timers = new Map<string, Binding>();
    for (const registration of loaded.registrations as Registration[]) {
      const bindings = Object.values(registration.bindings);
      const timer = bindings.find((b) => b.type === "timerTrigger");
      if (timer !== undefined) {
        timers.set(registration.name, timer);
        continue;
      }
      const trigger = bindings.find((b) => b.type === "httpTrigger");
      expect(trigger, registration.name).toBeDefined();
      expect(bindings.some((b) => b.type === "http" && b.direction === "out")).toBe(true);
      http.set(registration.name, trigger as Binding);
    }
    expect([...http.keys()].sort()).toEqual(["gateway", "health", "jwks", "ready"]);
    // The timer: key snapshot refresh and token-lifetime audit, every 15 minutes; not at start in
    // Azure (the environment here is not Core Tools' Development).
    expect([...timers.keys()]).toEqual(["keysAndAudit"]);
    expect(timers.get("keysAndAudit")).toMatchObject({
      direction: "in",
      schedule: "0 */15 * * * *",
      runOnStartup: false,
    });
    expect(http.get("gateway")).toMatchObject({
      route: "{*path}",
      authLevel: "anonymous",
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    });
    expect(http.get("health")).toMatchObject({ route: ".tollgate/health", authLevel: "anonymous" });
    expect(http.get("ready")).toMatchObject({ route: ".tollgate/ready", authLevel: "anonymous" });
    expect(http.get("jwks")).toMatchObject({ route: ".well-known/jwks.json", authLevel: "anonymous" });
  });

  it("runs the timer at start only locally, where Core Tools sets AZURE_FUNCTIONS_ENVIRONMENT=Development", () => {
    const timerOf = (env: Record<string, string | undefined>) => {
      const run = loadApp({ ...goodEnv, ...env });
      expect(run.status, run.stderr).toBe(0);
      const loaded = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}");
      const timer = (loaded.registrations as Registration[]).find((r) => r.name === "keysAndAudit");
      return Object.values(timer?.bindings ?? {})[0];
    };
    expect(timerOf({ AZURE_FUNCTIONS_ENVIRONMENT: "Development" })?.runOnStartup).toBe(true);
    expect(timerOf({ AZURE_FUNCTIONS_ENVIRONMENT: "Production" })?.runOnStartup).toBe(false);
    expect(timerOf({ AZURE_FUNCTIONS_ENVIRONMENT: undefined })?.runOnStartup).toBe(false);
  });

  it("refuses a body limit past the host's 100 MB and warns of a backend timeout past its 230 s", () => {
    const tooBig = loadApp({ ...goodEnv, TOLLGATE_MAX_BODY_BYTES: "209715200" });
    expect(tooBig.status).not.toBe(0);
    expect(tooBig.stderr).toContain("TOLLGATE_MAX_BODY_BYTES is 209715200");
    expect(tooBig.stderr).toContain("104857600 bytes (100 MB)");
    const slow = loadApp({ ...goodEnv, TOLLGATE_BACKEND_TIMEOUT_MS: "300000" });
    expect(slow.status, slow.stderr).toBe(0);
    expect(slow.stderr).toContain("TOLLGATE_BACKEND_TIMEOUT_MS is 300000 ms");
    expect(slow.stderr).toContain("230000 ms (230 s)");
    const fine = loadApp(goodEnv);
    expect(fine.stderr).not.toContain("230000 ms");
  });

  it("registers the timer on the schedule TOLLGATE_TIMER_SCHEDULE names", () => {
    const run = loadApp({ ...goodEnv, TOLLGATE_TIMER_SCHEDULE: "30 */5 * * * *" });
    expect(run.status).toBe(0);
    const loaded = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}");
    const timer = (loaded.registrations as Registration[]).find((r) => r.name === "keysAndAudit");
    expect(Object.values(timer?.bindings ?? {})).toEqual([
      expect.objectContaining({ type: "timerTrigger", schedule: "30 */5 * * * *" }),
    ]);
  });

  it.each([
    ["a missing tenant", { TOLLGATE_TENANTS: undefined }, "TOLLGATE_TENANTS is required"],
    [
      "a tenant that is not a GUID",
      { TOLLGATE_TENANTS: "contoso.com" },
      "TOLLGATE_TENANTS 'contoso.com' is not a tenant id",
    ],
    [
      "a malformed authority URL",
      { TOLLGATE_AUTHORITY: "not a url" },
      "TOLLGATE_AUTHORITY 'not a url' is not a URL",
    ],
    [
      "a malformed backend URL",
      { TOLLGATE_BACKEND_URL: "ftp://x" },
      "TOLLGATE_BACKEND_URL 'ftp://x' must be an http(s) URL",
    ],
    [
      "a timer schedule that is not NCRONTAB",
      { TOLLGATE_TIMER_SCHEDULE: "every 15 minutes" },
      "TOLLGATE_TIMER_SCHEDULE 'every 15 minutes' is not an NCRONTAB schedule",
    ],
  ])("refuses to start with %s, naming the setting", (_, env, message) => {
    const run = loadApp({ ...goodEnv, ...env });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Example:");
  });
});
