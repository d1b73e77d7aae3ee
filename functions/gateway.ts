// The HTTP triggers: a catch-all gateway (every method, every path; the host keeps /admin/* and
// /runtime/* for itself), plus tollgate's own health, readiness and JWKS routes.

import "./telemetry-bootstrap.js";
import { app, type HttpMethod, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { GATEWAY_METHODS } from "../shared/http/gateway-methods.js";
import { contextOf, toResponseInit, toWebRequest } from "./http-conversion.js";
import { tollgate } from "./tollgate-app.js";

// Request and response bodies stream through instead of being buffered by the host.
app.setup({ enableHttpStream: true });

// The policy validator refuses rules for any other method (shared/http/gateway-methods.ts).
const ALL_METHODS: HttpMethod[] = [...GATEWAY_METHODS];

async function handle(request: HttpRequest): Promise<HttpResponseInit> {
  const core = await tollgate();
  return toResponseInit(await core.handle(toWebRequest(request), contextOf(request)));
}

app.http("gateway", { route: "{*path}", methods: ALL_METHODS, authLevel: "anonymous", handler: handle });
app.http("health", {
  route: ".tollgate/health",
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  handler: handle,
});
app.http("ready", {
  route: ".tollgate/ready",
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  handler: handle,
});
app.http("jwks", {
  route: ".well-known/jwks.json",
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  handler: handle,
});
