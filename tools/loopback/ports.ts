// Free loopback ports for servers that tests start (Azurite, issuers, backends).

import { createServer, type Server } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the OS picks it for a throwaway listener,
 * which is closed before returning. Another process could take it in between: where the caller
 * can bind it itself, listenOnFreePort has no such gap; where a child binds it, retry on EADDRINUSE.
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

/** Listens on a port the OS picks on 127.0.0.1 and returns it: no gap for another process to take it. */
export function listenOnFreePort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      server.off("error", reject);
      const address = server.address();
      if (typeof address === "object" && address !== null) resolve(address.port);
      else reject(new Error("the listener reported no TCP port"));
    });
  });
}
