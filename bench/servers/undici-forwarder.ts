// The floor for any Node proxy: node:http server in, an undici Pool streaming to the backend out,
// no checks at all. Only hop-by-hop headers are dropped, as HTTP requires of any proxy.
//
//   BENCH_BACKEND_URL=http://127.0.0.1:PORT PORT=0 node --import tsx bench/servers/undici-forwarder.ts

import { createServer, type IncomingHttpHeaders } from "node:http";
import { Pool } from "undici";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

const backendUrl = process.env.BENCH_BACKEND_URL;
if (!backendUrl) throw new Error("BENCH_BACKEND_URL is required");
const pool = new Pool(backendUrl);

const server = createServer((req, res) => {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  pool.stream(
    {
      path: req.url ?? "/",
      method: (req.method ?? "GET") as "GET",
      headers: endToEnd(req.headers),
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, endToEnd(headers));
      return res;
    },
    (error) => {
      if (error === null) return;
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(`undici forwarder listening on http://127.0.0.1:${port}`);
});
process.once("SIGTERM", () => {
  server.close();
  server.closeIdleConnections();
  void pool.close().finally(() => process.exit(0));
});
