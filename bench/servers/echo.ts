// The benchmark's backend, as its own process: the tests' echo backend (answers every request with
// a small JSON echo of what reached it). Prints `listening on http://127.0.0.1:PORT`.

import { startEchoBackend } from "../../tools/loopback/echo-backend.js";

const backend = await startEchoBackend();
// The echo backend keeps every request it saw for the tests to inspect; a benchmark sends
// millions, so let the record go before it becomes the thing being measured.
setInterval(() => {
  backend.requests.length = 0;
}, 1_000);
console.log(`echo listening on ${backend.url}`);
process.once("SIGTERM", () => void backend.stop().finally(() => process.exit(0)));
