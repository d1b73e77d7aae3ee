// The Node flags the Functions app's worker runs with: infra/main.bicep sets them as the app
// setting languageWorkers__node__arguments (a test holds the two equal), and the benchmark and the
// tests start the Functions-path harness with them, so what is measured is what is deployed.
//
// --max-semi-space-size=32: a young generation twice Node 22's default, so a request's garbage
//   (tens of KB: web Request/Response, streams, headers) is collected half as often; measured in
//   bench/RESULTS.md ("The tail"): fewer scavenges and less pause time in total at the same rate.
// --max-http-header-size=32768: the library's stream proxy is a Node HTTP server inside the
//   worker; at Node's default 16 KiB it answers 431 to a request whose token is near
//   TOLLGATE_MAX_TOKEN_BYTES, before tollgate can name the reason (the host's Kestrel takes 32 KiB).

export const WORKER_NODE_ARGUMENTS = ["--max-semi-space-size=32", "--max-http-header-size=32768"];
