// The Application Insights suite (application-insights.test.ts) once more, on the Functions path:
// the deploy bundle, whose distro chunk is read only because a connection string is set, in the
// Functions-path harness. Every documented table, column and KQL query must hold there too.

(globalThis as { tollgateOnFunctionsPath?: boolean }).tollgateOnFunctionsPath = true;
await import("./application-insights.test.js");
