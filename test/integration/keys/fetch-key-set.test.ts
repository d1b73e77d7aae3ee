// fetchKeySet against a real HTTP server on loopback that misbehaves in each way Entra (or
// whatever stands in its place) might: redirects, huge or slow bodies, wrong issuer, other origins.

import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fetchKeySet } from "../../../shared/keys/fetch-key-set.js";
import { KeyFetchError } from "../../../shared/keys/key-fetch-error.js";
import { keySource } from "../../../shared/keys/key-sources.js";

const TENANT = "3f2c1a9e-0b7d-4e58-9c61-2a4b8d0e7f13";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback HTTP server whose answer per path each test sets; counts requests. */
class Loopback {
  readonly routes = new Map<string, Handler>();
  readonly hits: string[] = [];
  #server: Server;
  origin = "";

  constructor() {
    this.#server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      this.hits.push(path);
      const handler = this.routes.get(path);
      if (handler === undefined) {
        res.writeHead(404).end();
        return;
      }
      handler(req, res);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  json(path: string, body: unknown, status = 200): void {
    this.routes.set(path, (_req, res) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
    });
  }

  reset(): void {
    this.routes.clear();
    this.hits.length = 0;
  }
}

const entra = new Loopback();
const elsewhere = new Loopback();
let goodKey: Record<string, unknown>;
let otherKey: Record<string, unknown>;
let weakKey: Record<string, unknown>;

const discoveryPath = (tenant: string) => `/${tenant}/v2.0/.well-known/openid-configuration`;
const jwksPath = (tenant: string) => `/${tenant}/discovery/v2.0/keys`;
const source = (tenant = TENANT) => keySource(entra.origin, "2.0", tenant);
const fetchOptions = (timeoutMs = 2_000) => ({ authority: entra.origin, algorithms: ["RS256"], timeoutMs });

function publishDiscovery(tenant = TENANT, overrides: Record<string, unknown> = {}): void {
  entra.json(discoveryPath(tenant), {
    issuer: `${entra.origin}/${tenant === "organizations" ? "{tenantid}" : tenant}/v2.0`,
    jwks_uri: `${entra.origin}${jwksPath(tenant)}`,
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<KeyFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyFetchError);
  return error as KeyFetchError;
}

beforeAll(async () => {
  await Promise.all([entra.start(), elsewhere.start()]);
  const { publicKey } = await generateKeyPair("RS256", { extractable: true });
  goodKey = { ...(await exportJWK(publicKey)), kid: "good", use: "sig", x5c: ["MIIC"] };
  otherKey = {
    ...(await exportJWK((await generateKeyPair("RS256", { extractable: true })).publicKey)),
    kid: "other",
  };
  weakKey = {
    ...generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" }),
    kid: "weak",
  };
});

afterEach(() => {
  entra.reset();
  elsewhere.reset();
});

afterAll(async () => {
  await Promise.all([entra.stop(), elsewhere.stop()]);
});

describe("fetchKeySet", () => {
  it("reads discovery then the JWKS, keeps valid keys and reports the rest", async () => {
    publishDiscovery();
    entra.json(jwksPath(TENANT), { keys: [weakKey, goodKey, { ...otherKey, kid: "good" }] });

    const fetched = await fetchKeySet(source(), fetchOptions());

    expect(fetched.issuer).toBe(`${entra.origin}/${TENANT}/v2.0`);
    expect(fetched.jwksUri).toBe(`${entra.origin}${jwksPath(TENANT)}`);
    expect(fetched.keys).toEqual([{ kty: "RSA", kid: "good", use: "sig", n: goodKey.n, e: "AQAB" }]);
    expect(fetched.rejected).toEqual([
      expect.stringMatching(/^key "weak": RSA modulus is 1024 bits/),
      expect.stringMatching(/^key "good": duplicate kid/),
    ]);
    expect(entra.hits).toEqual([discoveryPath(TENANT), jwksPath(TENANT)]);
  });

  it("uses the injected fetch, with a timeout signal and redirects refused", async () => {
    publishDiscovery();
    entra.json(jwksPath(TENANT), { keys: [goodKey] });
    const seen: RequestInit[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(init ?? {});
      return fetch(input, init);
    };

    await fetchKeySet(source(), { ...fetchOptions(), fetch: recording });

    expect(seen).toHaveLength(2);
    for (const init of seen) {
      expect(init.redirect).toBe("error");
      expect(init.signal).toBeInstanceOf(AbortSignal);
    }
  });

  it("accepts the {tenantid} template for the organizations source", async () => {
    publishDiscovery("organizations");
    entra.json(jwksPath("organizations"), { keys: [goodKey] });
    const fetched = await fetchKeySet(source("organizations"), fetchOptions());
    expect(fetched.issuer).toBe(`${entra.origin}/{tenantid}/v2.0`);
  });

  it("refuses an organizations discovery whose issuer is one tenant's", async () => {
    publishDiscovery("organizations", { issuer: `${entra.origin}/${TENANT}/v2.0` });
    const error = await failure(fetchKeySet(source("organizations"), fetchOptions()));
    expect(error.message).toMatch(/does not name \{tenantid\}/);
  });

  it("refuses a discovery document whose issuer names another tenant, or none", async () => {
    publishDiscovery(TENANT, { issuer: `${entra.origin}/00000000-0000-0000-0000-000000000000/v2.0` });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(/does not name 3f2c1a9e/);
    publishDiscovery(TENANT, { issuer: 42 });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(/has no issuer/);
  });

  it("refuses a jwks_uri on another origin and never contacts it", async () => {
    elsewhere.json("/keys", { keys: [goodKey] });
    publishDiscovery(TENANT, { jwks_uri: `${elsewhere.origin}/keys` });

    const error = await failure(fetchKeySet(source(), fetchOptions()));

    expect(error.message).toMatch(/jwks_uri .* is not on the authority origin/);
    expect(error.url).toBe(source().discoveryUrl);
    expect(elsewhere.hits).toEqual([]);
  });

  it("refuses a jwks_uri with credentials, a relative one, or none", async () => {
    const withCredentials = `${entra.origin.replace("://", "://user:pw@")}${jwksPath(TENANT)}`;
    publishDiscovery(TENANT, { jwks_uri: withCredentials });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(
      /not on the authority origin/,
    );
    publishDiscovery(TENANT, { jwks_uri: jwksPath(TENANT) });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(
      /not on the authority origin/,
    );
    publishDiscovery(TENANT, { jwks_uri: undefined });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(/no jwks_uri/);
  });

  it("refuses a source whose discovery URL is not on the authority", async () => {
    const foreign = { ...source(), discoveryUrl: `${elsewhere.origin}${discoveryPath(TENANT)}` };
    expect((await failure(fetchKeySet(foreign, fetchOptions()))).message).toMatch(
      /not on the authority origin/,
    );
    expect(elsewhere.hits).toEqual([]);
  });

  it("does not follow a redirect", async () => {
    elsewhere.json("/discovery", {});
    entra.routes.set(discoveryPath(TENANT), (_req, res) => {
      res.writeHead(302, { location: `${elsewhere.origin}/discovery` }).end();
    });
    const error = await failure(fetchKeySet(source(), fetchOptions()));
    expect(error.message).toMatch(/request failed/);
    expect(elsewhere.hits).toEqual([]);
  });

  it("requires HTTP 200", async () => {
    publishDiscovery();
    entra.json(jwksPath(TENANT), { keys: [goodKey] }, 500);
    const error = await failure(fetchKeySet(source(), fetchOptions()));
    expect(error.message).toBe(`${entra.origin}${jwksPath(TENANT)}: answered HTTP 500, not 200`);
  });

  it("requires JSON, quoting little of what came instead", async () => {
    publishDiscovery();
    entra.routes.set(jwksPath(TENANT), (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(`<html>${"x".repeat(5000)}</html>`);
    });
    const error = await failure(fetchKeySet(source(), fetchOptions()));
    expect(error.message).toMatch(/answer is not JSON \(starts "<html>x+\.\.\."\)$/);
    expect(error.message.length).toBeLessThan(250);

    entra.routes.set(jwksPath(TENANT), (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end("{}");
    });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(
      /answered text\/html, not JSON/,
    );

    entra.json(jwksPath(TENANT), [goodKey]);
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(/not a JSON object/);
  });

  it("refuses a body over 1 MiB, declared or not", async () => {
    publishDiscovery();
    const big = JSON.stringify({ keys: [goodKey], padding: "x".repeat(1024 * 1024) });
    entra.routes.set(jwksPath(TENANT), (_req, res) => {
      res
        .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(big) })
        .end(big);
    });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(
      /declares \d+ bytes, over/,
    );

    entra.routes.set(jwksPath(TENANT), (_req, res) => {
      // Chunked: no content-length to go by, so the cap must hold while reading.
      res.writeHead(200, { "content-type": "application/json" });
      for (let i = 0; i < big.length; i += 64 * 1024) res.write(big.slice(i, i + 64 * 1024));
      res.end();
    });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(
      /is over the 1048576-byte cap/,
    );
  });

  it("gives up on a server that never answers, within the timeout", async () => {
    entra.routes.set(discoveryPath(TENANT), () => {
      // Never answers.
    });
    const started = performance.now();
    const error = await failure(fetchKeySet(source(), fetchOptions(300)));
    expect(error.message).toMatch(/no complete answer within 300 ms/);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("gives up on a body that trickles past the timeout", async () => {
    publishDiscovery();
    entra.routes.set(jwksPath(TENANT), (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"keys": [');
      // The rest never comes.
    });
    const started = performance.now();
    const error = await failure(fetchKeySet(source(), fetchOptions(300)));
    expect(error.message).toMatch(/no complete answer within 300 ms/);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("fails when no key is usable, naming why", async () => {
    publishDiscovery();
    entra.json(jwksPath(TENANT), { keys: [weakKey, { kty: "oct", kid: "hmac", k: "c2VjcmV0" }] });
    const error = await failure(fetchKeySet(source(), fetchOptions()));
    expect(error.message).toMatch(
      /JWKS has no usable key \(key "weak": .*1024 bits.*; key "hmac": symmetric/,
    );

    entra.json(jwksPath(TENANT), { keys: [] });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(
      /no usable key \(it is empty\)/,
    );
    entra.json(jwksPath(TENANT), { nokeys: true });
    expect((await failure(fetchKeySet(source(), fetchOptions()))).message).toMatch(/JWKS has no keys array/);
  });

  it("reports a refused connection as a request failure", async () => {
    const closed = new Loopback();
    await closed.start();
    await closed.stop();
    const gone = keySource(closed.origin, "2.0", TENANT);
    const error = await failure(fetchKeySet(gone, { ...fetchOptions(), authority: closed.origin }));
    expect(error.message).toMatch(/request failed \(fetch failed: ECONNREFUSED\)/);
  });
});
