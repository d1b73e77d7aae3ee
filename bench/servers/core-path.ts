// tollgate's core with no HTTP server in front: `handle` from createTollgate against
// forwardRequest alone, in one process, each round both in turn, so their difference is what the
// checks cost per request without the noise of a server, a load generator and a backend sharing
// two cores. Both forward to the same backend and read the whole answer. Run by
// bench/core-path.ts from the compiled output; prints one JSON line and exits.
//
//   TOLLGATE_…=… BENCH_BACKEND_URL=… BENCH_TOKENS_FILE=… BENCH_CORE_REQUESTS=8000 BENCH_CORE_ROUNDS=6 node …

import { readFileSync } from "node:fs";
import { loadSettings } from "../../shared/config/settings.js";
import { BackendPools } from "../../shared/forward/backend-pools.js";
import { forwardRequest } from "../../shared/forward/forward-request.js";
import { HeaderList } from "../../shared/forward/header-list.js";
import type { IncomingRequest } from "../../shared/http/request-handler.js";
import { createTollgate } from "../../shared/tollgate.js";

const backendUrl = process.env.BENCH_BACKEND_URL;
const tokensFile = process.env.BENCH_TOKENS_FILE;
if (!backendUrl || !tokensFile) throw new Error("BENCH_BACKEND_URL and BENCH_TOKENS_FILE are required");
const requests = Number(process.env.BENCH_CORE_REQUESTS ?? 8000);
const rounds = Number(process.env.BENCH_CORE_ROUNDS ?? 6);
/** As many in flight as the throughput runs' connections. */
const concurrency = Number(process.env.BENCH_CORE_CONCURRENCY ?? 32);
const tokens = readFileSync(tokensFile, "utf8")
  .split("\n")
  .filter((t) => t !== "");

const tollgate = await createTollgate(loadSettings(process.env), {});
await tollgate.start();
const pools = new BackendPools();
const timeouts = { connectMs: 5_000, firstByteMs: 30_000, totalMs: 120_000 };

let sent = 0;
/** What a host hands the core: the headers a caller and the platform's front end send. */
function nextRequest(): IncomingRequest {
  const n = sent++;
  return {
    method: "GET",
    url: `http://tollgate.bench/orders/${n % 1000}`,
    headers: new Headers({
      host: "tollgate.bench",
      authorization: `Bearer ${tokens[n % tokens.length]}`,
      accept: "*/*",
      "user-agent": "tollgate-bench",
      "x-forwarded-for": "127.0.0.1:50000",
    }),
    body: null,
  };
}

const modes = {
  async tollgate() {
    const response = await tollgate.handle(nextRequest(), {
      clientIp: "127.0.0.1",
      peerInForwardedFor: true,
    });
    if (response.status !== 200)
      throw new Error(`tollgate answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  },
  async forward() {
    const request = nextRequest();
    const headers = HeaderList.from(request.headers);
    headers.delete("host");
    const response = await forwardRequest(
      request,
      { backendUrl },
      { headers, maxBodyBytes: 1 << 20, timeouts, pools },
    );
    await response.arrayBuffer();
  },
};

/** CPU (all threads) per request, in µs, for `count` requests `concurrency` at a time. */
async function cpuPerRequest(mode: keyof typeof modes, count: number): Promise<number> {
  const work = modes[mode];
  let left = count;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await work();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

// Warm both, so the first measured round is not the JIT's.
await cpuPerRequest("tollgate", Math.min(requests, 4000));
await cpuPerRequest("forward", Math.min(requests, 4000));
const measured: { tollgateUs: number; forwardUs: number }[] = [];
for (let round = 0; round < rounds; round++) {
  // The order reverses every other round, as in the throughput phase.
  if (round % 2 === 0) {
    const tollgateUs = await cpuPerRequest("tollgate", requests);
    measured.push({ tollgateUs, forwardUs: await cpuPerRequest("forward", requests) });
  } else {
    const forwardUs = await cpuPerRequest("forward", requests);
    measured.push({ tollgateUs: await cpuPerRequest("tollgate", requests), forwardUs });
  }
}
console.log(JSON.stringify({ requests, concurrency, rounds: measured }));
await tollgate.stop();
await pools.close();
process.exit(0);
