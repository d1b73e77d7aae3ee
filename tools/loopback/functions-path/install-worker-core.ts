// Imported first by the entry point, so the stand-in for `@azure/functions-core` is in place
// before anything can load @azure/functions (ESM evaluates imports in order).

import { installWorkerCore } from "./worker-core.js";

installWorkerCore();
