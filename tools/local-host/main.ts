#!/usr/bin/env node
// The local host: the same core as the Functions app, over Node's HTTP server, configured by the
// same TOLLGATE_* settings plus PORT. For the sandbox, the tests and the benchmarks.

import "./telemetry-bootstrap.js";
import { loadSettings, SettingsError } from "../../shared/config/settings.js";
import { stopTelemetry, telemetryFor } from "../../shared/telemetry/start-telemetry.js";
import { createTollgate } from "../../shared/tollgate.js";
import { createNodeServer } from "./node-http-adapter.js";

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SettingsError([`PORT '${process.env.PORT}' is not a port number. Example: PORT=8080`]);
  }
  const log = (line: string) => console.error(`[tollgate] ${line}`);
  const tollgate = await createTollgate(settings, { log, telemetry: telemetryFor(settings.telemetry) });
  await tollgate.start();

  const server = createNodeServer(tollgate.handle);
  // Longer than any load balancer's idle timeout, so the balancer closes first (no reset races).
  server.keepAliveTimeout = 65_000;
  server.listen(port, process.env.HOST ?? "127.0.0.1", () => {
    const address = server.address();
    const bound = typeof address === "object" && address ? address.port : port;
    // The sandbox and tests wait for this exact line.
    console.log(`tollgate listening on http://127.0.0.1:${bound}`);
  });

  const shutdown = () => {
    server.close();
    server.closeIdleConnections();
    // What telemetry still holds (the last spans, metrics and events) is sent before exiting.
    void tollgate
      .stop()
      .then(stopTelemetry)
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error("tollgate failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
