// A plain HTTP proxy on loopback that counts the requests it passes on, so a test can count a
// gateway's real storage calls (for example to one Azurite table) instead of estimating them.

import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface CountingProxy {
  port: number;
  /** Requests passed on whose path contains `fragment` (case-insensitive). */
  count(fragment: string): number;
  reset(): void;
  stop(): Promise<void>;
}

/** A status to answer instead of passing a request on (as storage refuses it), or undefined. */
export type Refusal = (method: string, path: string) => number | undefined;

export async function startCountingProxy(targetPort: number, refuse?: Refusal): Promise<CountingProxy> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? "");
    const refused = refuse?.(req.method ?? "", req.url ?? "");
    if (refused !== undefined) {
      // Table Storage's error shape (JSON, odata.error), as Azure sends it for a refused role.
      req.resume();
      res.writeHead(refused, {
        "content-type": "application/json;odata=minimalmetadata",
        "x-ms-error-code": "AuthorizationPermissionMismatch",
      });
      res.end(
        JSON.stringify({
          "odata.error": {
            code: "AuthorizationPermissionMismatch",
            message: {
              lang: "en-US",
              value: "This request is not authorized to perform this operation using this permission.",
            },
          },
        }),
      );
      return;
    }
    const upstream = httpRequest(
      { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    count: (fragment) => paths.filter((path) => path.toLowerCase().includes(fragment.toLowerCase())).length,
    reset: () => {
      paths.length = 0;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The same Azurite connection string, pointed at the proxy. */
export function viaProxy(connectionString: string, proxyPort: number): string {
  return connectionString.replace(
    /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
    `TableEndpoint=http://127.0.0.1:${proxyPort}`,
  );
}
