// tollgate's outer layers without its checks, to show where its time goes: the local host's
// node:http adapter (web-standard Request in, Response out) answering by itself, or forwarding
// with shared/forward's forwardRequest and nothing else (no token, role map, rate limit,
// assertion or header hygiene). Compare with the bare undici forwarder and the full pipeline.
//
//   BENCH_LAYER=adapter|forward BENCH_BACKEND_URL=http://127.0.0.1:PORT PORT=0

import { BackendPools } from "../../shared/forward/backend-pools.js";
import { forwardRequest } from "../../shared/forward/forward-request.js";
import { HeaderList } from "../../shared/forward/header-list.js";
import { createNodeServer } from "../../tools/local-host/node-http-adapter.js";

const layer = process.env.BENCH_LAYER;
const backendUrl = process.env.BENCH_BACKEND_URL;
if (layer !== "adapter" && layer !== "forward") throw new Error("BENCH_LAYER must be adapter or forward");
if (!backendUrl) throw new Error("BENCH_BACKEND_URL is required");

const pools = new BackendPools();
const timeouts = { connectMs: 5_000, firstByteMs: 30_000, totalMs: 120_000 };
const answer = JSON.stringify({ layer });

const server = createNodeServer(async (request, context) => {
  if (layer === "adapter") return new Response(answer, { headers: { "content-type": "application/json" } });
  const headers = HeaderList.from(request.headers);
  headers.delete("connection");
  return forwardRequest(
    request,
    { backendUrl },
    { headers, maxBodyBytes: 100 * 1024 * 1024, timeouts, signal: context.signal, pools },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(`tollgate layer '${layer}' listening on http://127.0.0.1:${port}`);
});
process.once("SIGTERM", () => {
  server.close();
  server.closeIdleConnections();
  void pools.close().finally(() => process.exit(0));
});
