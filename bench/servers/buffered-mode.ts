// Loaded after tollgate's Functions app (tsc output, so both share one @azure/functions), before
// the worker asks for capabilities: turns HTTP streaming off, so the benchmark can measure
// tollgate in the buffered mode, where bodies travel inside the invocation. A measuring device
// only; the app itself always streams (functions/gateway.ts).

import { app } from "@azure/functions";

app.setup({ enableHttpStream: false });
