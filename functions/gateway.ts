// The HTTP triggers: a catch-all gateway (every method, every path; the host keeps /admin/* and
// /runtime/* for itself), plus tollgate's own health, readiness and JWKS routes.

import "./telemetry-bootstrap.js";
import { app, type HttpMethod, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { GATEWAY_METHODS } from "../shared/http/gateway-methods.js";
import { HEALTH_PATH, JWKS_PATH, READY_PATH } from "../shared/own-routes.js";
import { contextOf, toIncomingRequest, toResponseInit } from "./http-conversion.js";
import { tollgate } from "./tollgate-app.js";

// Request and response bodies stream through instead of being buffered by the host.
app.setup({ enableHttpStream: true });

// The policy validator refuses rules for any other method (shared/http/gateway-methods.ts).
const ALL_METHODS: HttpMethod[] = [...GATEWAY_METHODS];

/** A Functions route is the path without its leading slash. */
const routeOf = (path: string) => path.slice(1);

async function handle(request: HttpRequest): Promise<HttpResponseInit> {
  const core = await tollgate();
  return toResponseInit(await core.handle(toIncomingRequest(request), contextOf(request)));
}

app.http("gateway", { route: "{*path}", methods: ALL_METHODS, authLevel: "anonymous", handler: handle });
// tollgate's own routes, registered by name so the host's function list shows them.
const OWN_ROUTES = { health: HEALTH_PATH, ready: READY_PATH, jwks: JWKS_PATH };
for (const [name, path] of Object.entries(OWN_ROUTES)) {
  app.http(name, { route: routeOf(path), methods: ["GET", "HEAD"], authLevel: "anonymous", handler: handle });
}

// Start now, not on the first request: the signing keys and the role map load from Table
// Storage (or Entra) while the host finishes starting the worker, so the first request finds
// them loaded or on the way instead of waiting for every round trip after it arrives. Nothing
// waits for it here, so loading the app never blocks on storage; a start that fails (a bad
// TOLLGATE_ASSERTION_KEYS) still fails every request with its message, as before.
tollgate().catch(() => {});
