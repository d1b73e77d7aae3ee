// The Node flags the Functions app's worker runs with: infra/main.bicep sets them as the app
// setting languageWorkers__node__arguments (a test holds the two equal), and the benchmark and the
// tests start the Functions-path harness with them, so what is measured is what is deployed.
//
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
//
// Not --max-semi-space-size (it was here until session 10): any V8 heap-size flag changes the
// flag hash that Node's embedded code cache was built under, so V8 rejects the cache of every
// built-in module and compiles each from source (NODE_DEBUG_NATIVE=CODE_CACHE prints "rejected").
// Loading node:http2 took 12 ms without it and 46 ms with it; the web Response class 30 against
// 80 ms. That slowed every cold start of the worker, for a young generation that saved about 2%
// of the CPU per request and did not lower the p99 (bench/RESULTS.md, "The tail", keeps the
// comparison). V8 flags that are not about the heap sizes (--no-memory-reducer) keep the cache.

export const WORKER_NODE_ARGUMENTS = ["--no-memory-reducer", "--max-http-header-size=32768"];

/** The young-generation flag tried before: the tail phase still measures it beside the default. */
export const LARGER_YOUNG_GENERATION = "--max-semi-space-size=32";
