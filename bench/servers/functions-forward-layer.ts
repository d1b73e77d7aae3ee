// tollgate's Functions entry without its checks: the same conversion between the library's
// HttpRequest and the core's web-standard request (functions/http-conversion.ts) and the same
// forwardRequest, and nothing else (no token, role map, rate limit, assertion or header hygiene).
// Beside the functions forwarder (the floor) and tollgate's app, it splits tollgate's cost on the
// Functions path into the part every entry point shares and what the checks add.
//
//   BENCH_BACKEND_URL=… FUNCTIONS_APP=<this file, bundled> node …/functions-path/main.js

import { app, type HttpMethod, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { toIncomingRequest, toResponseInit } from "../../functions/http-conversion.js";
import { BackendPools } from "../../shared/forward/backend-pools.js";
import { forwardRequest } from "../../shared/forward/forward-request.js";
import { HeaderList } from "../../shared/forward/header-list.js";
import { GATEWAY_METHODS } from "../../shared/http/gateway-methods.js";

const backendUrl = process.env.BENCH_BACKEND_URL;
if (!backendUrl) throw new Error("BENCH_BACKEND_URL is required");

const pools = new BackendPools();
const timeouts = { connectMs: 5_000, firstByteMs: 30_000, totalMs: 120_000 };

// As tollgate's app sets it (functions/gateway.ts).
app.setup({ enableHttpStream: true });

async function forward(request: HttpRequest): Promise<HttpResponseInit> {
  const incoming = toIncomingRequest(request);
  // The caller's headers as they came, minus the two the HTTP client must set itself.
  const headers = HeaderList.from(incoming.headers);
  headers.delete("connection");
  headers.delete("host");
  const response = await forwardRequest(
    incoming,
    { backendUrl: backendUrl as string },
    { headers, maxBodyBytes: 100 * 1024 * 1024, timeouts, pools },
  );
  return toResponseInit(response);
}

app.http("forward", {
  route: "{*path}",
  methods: [...GATEWAY_METHODS] as HttpMethod[],
  authLevel: "anonymous",
  handler: forward,
});
