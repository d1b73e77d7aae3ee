// The Node flags the Functions app's worker runs with: infra/main.bicep sets them as the app
// setting languageWorkers__node__arguments (a test holds the two equal), and the benchmark and the
// tests start the Functions-path harness with them, so what is measured is what is deployed.
//
// --max-semi-space-size=32: a young generation twice Node 22's default, so a request's garbage
//   (tens of KB: web Request/Response, streams, headers) is collected half as often; measured in
//   bench/RESULTS.md ("The tail"): fewer scavenges and less pause time in total at the same rate.
// --no-memory-reducer: V8's memory reducer shrinks the heap of a process that has gone quiet (two
//   "reduce" full collections, here about 25 s after the load stopped). The next burst then runs
//   on a shrunken heap, collection after collection while it grows back, and the worker answers
//   as if cold: in ad hoc runs at 1,000 req/s after 15 s of load and 50 s idle, the first
//   second's p99 was 1,482 ms with the reducer and 134 ms without. bench/RESULTS.md's after-idle
//   tail rows (500 req/s) show it as more full collections (8 against 3). A Flex Consumption
//   instance has a fixed memory size, so keeping the heap it grew to costs nothing billed.
// --max-http-header-size=32768: the library's stream proxy is a Node HTTP server inside the
//   worker; at Node's default 16 KiB it answers 431 to a request whose token is near
//   TOLLGATE_MAX_TOKEN_BYTES, before tollgate can name the reason (the host's Kestrel takes 32 KiB).

export const WORKER_NODE_ARGUMENTS = [
  "--max-semi-space-size=32",
  "--no-memory-reducer",
  "--max-http-header-size=32768",
];
