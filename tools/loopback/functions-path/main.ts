#!/usr/bin/env node
// Runs a Functions app on the loopback Functions path: loads the app's files with the worker's
// core module stood in, then serves HTTP as the host does (see functions-host.ts). For the
// benchmark, the tests and anyone who wants to see the library's part of a request.
//
//   FUNCTIONS_APP=dist/bundle/functions/gateway.js,dist/bundle/functions/timer.js PORT=0 node dist/tools/loopback/functions-path/main.js
//
// FUNCTIONS_APP names the files the worker loads (package.json `main`, comma-separated, relative
// to the working directory); FUNCTIONS_ROUTE_PREFIX is host.json's routePrefix (default: read
// host.json beside the working directory, else "api"). Prints "functions host listening on URL".
// Non-HTTP triggers (the timer) are registered but not run: the host's scheduler is not played.

import "./install-worker-core.js";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startFunctionsHost } from "./functions-host.js";
import { installWorkerCore } from "./worker-core.js";

function routePrefix(): string {
  const configured = process.env.FUNCTIONS_ROUTE_PREFIX;
  if (configured !== undefined) return configured;
  if (!existsSync("host.json")) return "api";
  const host = JSON.parse(readFileSync("host.json", "utf8")) as {
    extensions?: { http?: { routePrefix?: string } };
  };
  return host.extensions?.http?.routePrefix ?? "api";
}

async function main(): Promise<void> {
  const files = (process.env.FUNCTIONS_APP ?? "").split(",").filter((f) => f.trim() !== "");
  if (files.length === 0) throw new Error("FUNCTIONS_APP names no file: set it to the app's main files");
  const worker = installWorkerCore();
  // One after another, as the worker loads the files package.json `main` matches.
  for (const file of files) await import(pathToFileURL(resolve(file.trim())).href);
  const { server, mode } = await startFunctionsHost(worker, {
    routePrefix: routePrefix(),
    port: Number(process.env.PORT ?? 0),
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(`functions host (${mode}) listening on http://127.0.0.1:${port}`);
  const shutdown = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
