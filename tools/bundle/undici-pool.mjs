// What the bundled app takes from undici, and only that: the connection Pool that
// shared/forward/backend-pools.ts makes, with the request API undici's own index.js puts on every
// dispatcher. undici is CommonJS, so a bundler cannot leave out what its index requires (fetch,
// WebSocket, caches, mocks, proxy agents): this file is the index the bundle gets instead (see
// slim-packages.ts), about half the code to compile and evaluate at start. A name the app imports
// from "undici" that is not exported here stops the bundle build ("No matching export").

import api from "undici/lib/api/index.js";
import Dispatcher from "undici/lib/dispatcher/dispatcher.js";
import Pool from "undici/lib/dispatcher/pool.js";

// As undici's index.js does: request(), stream(), pipeline() on every dispatcher.
Object.assign(Dispatcher.prototype, api);

export { Pool };
