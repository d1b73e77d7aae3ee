// The gateway suite (gateway.test.ts) once more, on the Functions path: tollgate's deploy bundle
// loaded by the Functions-path harness, so the real @azure/functions builds every request from the
// host's trigger metadata and streams bodies both ways through its proxy, as under the Functions
// host. Same real parts, same assertions.

(globalThis as { tollgateOnFunctionsPath?: boolean }).tollgateOnFunctionsPath = true;
await import("./gateway.test.js");
