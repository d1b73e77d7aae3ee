// The benchmark's backend, as its own process: the tests' echo backend (answers every request with
// a small JSON echo of what reached it). Prints `listening on http://127.0.0.1:PORT`.

import { startEchoBackend } from "../../tools/loopback/echo-backend.js";

const backend = await startEchoBackend();
// The same answer whatever headers a target adds: each proxy pays for its own headers on the way
// in, not a second time as a larger echo on the way back (tollgate's assertion and identity
// headers made its answers about 1.5 KB larger than the floors').
backend.echoHeaders = false;
// The echo backend keeps every request it saw for the tests to inspect; a benchmark sends
// millions, so let the record go before it becomes the thing being measured.
setInterval(() => {
  backend.requests.length = 0;
}, 1_000);
console.log(`echo listening on ${backend.url}`);
process.once("SIGTERM", () => void backend.stop().finally(() => process.exit(0)));
