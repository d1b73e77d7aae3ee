// Starts the Azure Monitor OpenTelemetry distro once per process, from the environment, before
// the rest of tollgate loads: entry points import a bootstrap module that calls this first.
// The distro is loaded only when a connection string is set: importing it costs most of a second
// of cold start, which an instance with telemetry off should not pay. (A dynamic import, so the
// deploy bundle puts it in a chunk of its own that only such an instance reads.)

import type * as AzureMonitor from "@azure/monitor-opentelemetry";
import { loadTelemetrySettings, type TelemetrySettings } from "../config/settings.js";
import { azureCredential } from "../identity/azure-credential.js";
import { CONNECTION_STRING_SETTING, parseConnectionString } from "./connection-string.js";
import { createOtelTelemetry } from "./otel-telemetry.js";
import { type Telemetry, telemetryOff } from "./telemetry.js";

let started: Promise<boolean> | undefined;
let running = false;
let distro: typeof AzureMonitor | undefined;

/**
 * The distro's automatic instrumentations stay off: tollgate's decision span is the request, an
 * HTTP server span beside it would duplicate every row (with the query string in its URL), and
 * one dependency row per Table Storage call (policy refresh, rate-limit leases) is cost without
 * insight; rate-limit storage calls are counted as a metric instead.
 */
const INSTRUMENTATIONS_OFF = {
  http: { enabled: false },
  azureSdk: { enabled: false },
  mongoDb: { enabled: false },
  mySql: { enabled: false },
  postgreSql: { enabled: false },
  redis: { enabled: false },
  redis4: { enabled: false },
  bunyan: { enabled: false },
  winston: { enabled: false },
  console: { enabled: false },
};

function describeSampling(settings: TelemetrySettings): string {
  return settings.tracesPerSecond > 0
    ? `at most ${settings.tracesPerSecond} decision spans a second`
    : `${settings.samplingRatio * 100}% of decision spans`;
}

/**
 * Starts telemetry when APPLICATIONINSIGHTS_CONNECTION_STRING is set; says so in one line either
 * way. Rejects with SettingsError for a malformed connection string or telemetry setting.
 * Idempotent. Entry points await it at the top of their bootstrap module: every module that asks
 * for telemetryFor imports the bootstrap first, so it runs after the distro is up. The distro's
 * instrumentations are all off, so nothing needs it loaded before other modules evaluate.
 */
export function startTelemetry(
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<boolean> {
  started ??= start(env, log);
  return started;
}

async function start(env: Record<string, string | undefined>, log: (line: string) => void): Promise<boolean> {
  const settings = loadTelemetrySettings(env);
  const raw = env[CONNECTION_STRING_SETTING]?.trim() ?? "";
  if (raw === "") {
    log(`${CONNECTION_STRING_SETTING} is not set: telemetry to Application Insights is off.`);
    return false;
  }
  const connection = parseConnectionString(raw);
  // The resource's service.name is App Insights' cloud_RoleName; an operator's own value wins.
  process.env.OTEL_SERVICE_NAME ??= "tollgate";
  distro = await import("@azure/monitor-opentelemetry");
  distro.useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: connection.value,
      // With local authentication disabled on the resource, the app's managed identity signs in.
      ...(connection.entraAuth ? { credential: azureCredential(env) } : {}),
    },
    // Every span tollgate starts is sent: tollgate samples decisions itself (decision-sampler.ts),
    // because the distro's samplers hash the trace id, which the caller's traceparent chooses.
    tracesPerSecond: 0,
    samplingRatio: 1,
    // Live Metrics holds a connection to its own endpoint from every instance; off unless asked.
    enableLiveMetrics: false,
    instrumentationOptions: INSTRUMENTATIONS_OFF,
  });
  running = true;
  log(`telemetry goes to Application Insights (${describeSampling(settings)}; metrics unsampled).`);
  return true;
}

let shared: Telemetry | undefined;

/**
 * The telemetry entry points hand to createTollgate (and the timer to its job): real once
 * started, else silent. One per process, so the gateway and the timer share its instruments.
 */
export function telemetryFor(settings: TelemetrySettings): Telemetry {
  if (!running) return telemetryOff;
  shared ??= createOtelTelemetry(settings);
  return shared;
}

/** Sends what is buffered and stops; for a graceful shutdown. */
export async function stopTelemetry(): Promise<void> {
  if (running) await distro?.shutdownAzureMonitor();
}
