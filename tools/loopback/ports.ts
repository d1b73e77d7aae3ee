// Free loopback ports for servers that tests start (Azurite, issuers, backends).

import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the OS picks it for a throwaway listener,
 * which is closed before returning. Another process could take it in between; on loopback in a
 * test run that race is rare enough to accept.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : undefined;
      server.close((error) => {
        if (error) reject(error);
        else if (port === undefined) reject(new Error("freePort: the listener reported no TCP port"));
        else resolve(port);
      });
    });
  });
}
