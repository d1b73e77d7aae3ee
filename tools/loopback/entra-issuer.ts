// A loopback issuer shaped like Microsoft Entra ID, for tests and the local sandbox. A validator
// pointed at `authority` (http://127.0.0.1:PORT) sees the same metadata Entra serves, and tokens
// with the same header and claims, so it cannot tell this from login.microsoftonline.com.
//
// Metadata routes ({tenant} is any GUID, `common`, `organizations` or `consumers`):
//   GET /{tenant}/v2.0/.well-known/openid-configuration  v2 discovery; issuer `${authority}/{tid}/v2.0`
//   GET /{tenant}/.well-known/openid-configuration       v1 discovery; issuer `https://sts.windows.net/{tid}/`
//   GET /{tenant}/discovery/v2.0/keys                    v2 JWKS; every key carries Entra's `issuer` member
//   GET /{tenant}/discovery/keys                         v1 JWKS; keys without `issuer`
//   POST /{tenant}/oauth2/v2.0/token                     client credentials for registered APIs and clients
// Like Entra, nothing is served at /.well-known/oauth-authorization-server (no RFC 8414 document).
// Under `common` and `organizations` the issuers hold the literal template `{tenantid}`, as in Entra;
// under `consumers` they name the Microsoft-account tenant. Anything else is a 404 JSON error.
//
// API (EntraIssuer):
//   start(options)            listen on 127.0.0.1 (port 0 unless given); one RS256 key, active and published
//   authority, issuerV1/V2()  where validators point, and the issuers tokens carry
//   defaultTenant, defaultAudience, defaultClientApp, defaultUserOid, defaultAppOid   random GUIDs per issuer
//   activeKid, publishedKids(), rotate(), addKey(), publish(), unpublish(), setJwkOverride()   key rollover and bad keys
//   setMode(), mode, slowMs   metadata faults: down (connection reset), slow, garbage (bad JSON), http500
//   requests, resetCounters() how many metadata requests arrived (counted in every mode)
//   mint(options)             an Entra-shaped access token (see MintOptions)
//   signRaw(header, payload)  exactly this header and payload, for forged and malformed tokens
//   registerApi(), registerClient()  app registrations the token endpoint issues for (see token-endpoint.ts)
//   privateKey(), publicJwk() the keys themselves
//   stop()                    close the server and every connection

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { JWK } from "jose";
import { buildClaims, type MintOptions } from "./entra/claims.js";
import { type AddKeyOptions, KeyRing } from "./entra/keys.js";
import { discoveryV1, discoveryV2, issuerV1, issuerV2, type TokenVersion } from "./entra/metadata.js";
import { parseTenantPath, type TenantPath } from "./entra/tenants.js";
import { type ApiRegistration, answerTokenRequest, type ClientRegistration } from "./entra/token-endpoint.js";

export type { MintOptions } from "./entra/claims.js";
export { DEFAULT_USER } from "./entra/claims.js";
export type { AddKeyOptions, SigningAlg } from "./entra/keys.js";
export { MSA_TENANT_ID, TENANT_TEMPLATE } from "./entra/tenants.js";
export type { ApiRegistration, ClientRegistration } from "./entra/token-endpoint.js";

export interface EntraIssuerOptions {
  /** Default 0: any free port. */
  port?: number;
  defaultTenant?: string;
  defaultAudience?: string;
  defaultClientApp?: string;
  /** The issuer's clock in ms since the epoch, for `iat`/`nbf`; default Date.now. */
  now?: () => number;
}

/**
 * How the metadata endpoints behave. `down` resets each connection without an answer; `slow`
 * answers normally after `slowMs`; `garbage` answers 200 with a body that is not JSON; `http500`
 * answers 500 with an Entra-style JSON error.
 */
export type IssuerMode = "up" | "down" | "slow" | "garbage" | "http500";

export interface RequestCounts {
  discovery: number;
  jwks: number;
  /** Every request, including unknown routes. */
  total: number;
}

type Route =
  | { kind: "discovery" | "jwks"; version: TokenVersion; tenant: TenantPath }
  | { kind: "token"; tenant: TenantPath }
  | { kind: "unknown"; path: string };

const JSON_TYPE = "application/json; charset=utf-8";

export class EntraIssuer {
  readonly authority: string;
  readonly defaultTenant: string;
  readonly defaultAudience: string;
  readonly defaultClientApp: string;
  /** The user delegated tokens are for, by default. */
  readonly defaultUserOid: string;
  /** The service principal of defaultClientApp: the `oid` and `sub` of app tokens, by default. */
  readonly defaultAppOid: string;
  /** How long `slow` mode holds each answer. */
  slowMs = 10_000;

  readonly #server: Server;
  readonly #keys: KeyRing;
  readonly #now: () => number;
  readonly #sockets = new Set<Socket>();
  readonly #slowTimers = new Set<NodeJS.Timeout>();
  #mode: IssuerMode = "up";
  #counts: RequestCounts = { discovery: 0, jwks: 0, total: 0 };
  #stopped: Promise<void> | undefined;
  readonly #apis: ApiRegistration[] = [];
  readonly #clients: ClientRegistration[] = [];

  static async start(options: EntraIssuerOptions = {}): Promise<EntraIssuer> {
    const keys = await KeyRing.create();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("EntraIssuer: no TCP address");
    return new EntraIssuer(server, keys, `http://127.0.0.1:${address.port}`, options);
  }

  private constructor(server: Server, keys: KeyRing, authority: string, options: EntraIssuerOptions) {
    this.#server = server;
    this.#keys = keys;
    this.authority = authority;
    this.#now = options.now ?? Date.now;
    this.defaultTenant = options.defaultTenant ?? randomUUID();
    this.defaultAudience = options.defaultAudience ?? randomUUID();
    this.defaultClientApp = options.defaultClientApp ?? randomUUID();
    this.defaultUserOid = randomUUID();
    this.defaultAppOid = randomUUID();
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    server.on("request", (request, response) => this.#handle(request, response));
  }

  issuerV2(tid: string): string {
    return issuerV2(this.authority, tid);
  }

  issuerV1(tid: string): string {
    return issuerV1(tid);
  }

  // ---- keys ----

  /** The key mint() signs with unless told otherwise. */
  get activeKid(): string {
    return this.#keys.activeKid;
  }

  /** In JWKS order. */
  publishedKids(): string[] {
    return this.#keys.publishedKids();
  }

  /** A new RS256 key becomes active and is published; old keys stay published, as in Entra's rollover. */
  rotate(): Promise<string> {
    return this.#keys.rotate();
  }

  /** Another key that does not become active: unpublished, weak (1024-bit), or of another type. */
  addKey(options?: AddKeyOptions): Promise<string> {
    return this.#keys.add(options);
  }

  publish(kid: string): void {
    this.#keys.publish(kid);
  }

  /** The key stays usable for signing: tokens from it then carry a kid the JWKS no longer has. */
  unpublish(kid: string): void {
    this.#keys.unpublish(kid);
  }

  /**
   * Alters what both JWKS documents say about a key (e.g. `{ use: "enc" }`, `{ e: "Aw" }`,
   * `{ alg: "HS256" }`, `{ issuer: "..." }`); a member set to `undefined` is removed; `undefined`
   * as the patch restores the key.
   */
  setJwkOverride(kid: string, patch: Record<string, unknown> | undefined): void {
    this.#keys.setOverride(kid, patch);
  }

  privateKey(kid: string): CryptoKey {
    return this.#keys.privateKey(kid);
  }

  /** The key as published (kty, use, kid, x5t, n, e), without overrides or a tenant's `issuer`. */
  publicJwk(kid: string): JWK {
    return this.#keys.publicJwk(kid);
  }

  // ---- faults and counters ----

  get mode(): IssuerMode {
    return this.#mode;
  }

  setMode(mode: IssuerMode): void {
    this.#mode = mode;
  }

  /** A snapshot of the metadata requests received since start or resetCounters(). */
  get requests(): RequestCounts {
    return { ...this.#counts };
  }

  resetCounters(): void {
    this.#counts = { discovery: 0, jwks: 0, total: 0 };
  }

  // ---- tokens ----

  /** An API the token endpoint issues tokens for (`aud` = its app id). */
  registerApi(api: ApiRegistration): void {
    this.#apis.push(api);
  }

  /** A confidential client that may use the client-credentials grant. */
  registerClient(client: ClientRegistration): void {
    this.#clients.push(client);
  }

  /** An access token as Entra would issue it; see MintOptions for every knob. */
  async mint(options: MintOptions = {}): Promise<string> {
    const kid = options.kid ?? this.activeKid;
    const claims = buildClaims(
      options,
      {
        authority: this.authority,
        tenant: this.defaultTenant,
        audience: this.defaultAudience,
        clientApp: this.defaultClientApp,
        userOid: this.defaultUserOid,
        appOid: this.defaultAppOid,
      },
      Math.floor(this.#now() / 1000),
    );
    const header = { typ: "JWT", alg: this.#keys.algOf(kid), x5t: kid, kid, ...options.header };
    return this.#keys.sign(kid, header, JSON.stringify(claims));
  }

  /**
   * Signs exactly `header` and `payload` (a string payload is signed byte for byte, so it may be
   * anything). Absent `alg` and `kid` default to the signing key's; set one to `undefined` to leave
   * it out. The signing key is `kid`, else the header's kid when this issuer holds that key, else
   * the active key. A header alg the key cannot make still goes in the header as written; see
   * KeyRing.sign for what the signature then is (`none`: empty; HS*: HMAC keyed with the public PEM).
   */
  async signRaw(
    header: Record<string, unknown>,
    payload: Record<string, unknown> | string,
    kid?: string,
  ): Promise<string> {
    const headerKid = typeof header.kid === "string" && this.#keys.has(header.kid) ? header.kid : undefined;
    const signingKid = kid ?? headerKid ?? this.activeKid;
    const fullHeader = { alg: this.#keys.algOf(signingKid), kid: signingKid, ...header };
    return this.#keys.sign(
      signingKid,
      fullHeader,
      typeof payload === "string" ? payload : JSON.stringify(payload),
    );
  }

  /** Closes the server and every connection, answering nothing more. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      for (const timer of this.#slowTimers) clearTimeout(timer);
      this.#slowTimers.clear();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#stopped;
  }

  // ---- HTTP ----

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const route = routeOf(request);
    this.#counts.total++;
    if (route.kind === "discovery" || route.kind === "jwks") this.#counts[route.kind]++;
    if (route.kind === "token") {
      this.#token(request, response, route.tenant);
      return;
    }
    switch (this.#mode) {
      case "up":
        this.#answer(route, response);
        return;
      case "down":
        // A reset, not a close: the client sees ECONNRESET as when a host drops off the network.
        request.socket.resetAndDestroy();
        return;
      case "slow": {
        const timer = setTimeout(() => {
          this.#slowTimers.delete(timer);
          this.#answer(route, response);
        }, this.slowMs);
        this.#slowTimers.add(timer);
        response.once("close", () => {
          clearTimeout(timer);
          this.#slowTimers.delete(timer);
        });
        return;
      }
      case "garbage":
        send(response, 200, '{"keys":[{"kty":"RSA",<html>');
        return;
      case "http500":
        send(
          response,
          500,
          JSON.stringify({
            error: "temporarily_unavailable",
            error_description: "AADSTS90033: A transient error has occurred. Please try again.",
          }),
        );
        return;
    }
  }

  #token(request: IncomingMessage, response: ServerResponse, tenant: TenantPath): void {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("end", () => {
      const tid = tenant.isTenant ? tenant.segment : this.defaultTenant;
      answerTokenRequest(
        new URLSearchParams(text),
        request.headers.authorization,
        tid,
        { apis: this.#apis, clients: this.#clients },
        (options) => this.mint(options),
      ).then(
        (answer) => send(response, answer.status, JSON.stringify(answer.body)),
        (error: unknown) =>
          send(response, 500, JSON.stringify({ error: "server_error", error_description: String(error) })),
      );
    });
  }

  #answer(route: Route, response: ServerResponse): void {
    if (route.kind === "unknown") {
      send(
        response,
        404,
        JSON.stringify({ error: "not_found", error_description: `No metadata at ${route.path}` }),
      );
      return;
    }
    if (route.kind === "token") return;
    const { version, tenant } = route;
    if (route.kind === "discovery") {
      const document =
        version === "2.0" ? discoveryV2(this.authority, tenant) : discoveryV1(this.authority, tenant);
      send(response, 200, JSON.stringify(document));
      return;
    }
    // Entra scopes each v2 key to the issuers it signs for; v1 keys say nothing about issuers.
    const extra = version === "2.0" ? { issuer: issuerV2(this.authority, tenant.issuerTenant) } : {};
    send(response, 200, JSON.stringify({ keys: this.#keys.publishedJwks(extra) }));
  }
}

function routeOf(request: IncomingMessage): Route {
  const path = new URL(request.url ?? "/", "http://issuer.invalid").pathname;
  const [, segment = "", ...rest] = path.split("/");
  const tenant = parseTenantPath(segment);
  if (request.method === "POST" && tenant !== undefined && rest.join("/") === "oauth2/v2.0/token") {
    return { kind: "token", tenant };
  }
  if (request.method !== "GET" || tenant === undefined) return { kind: "unknown", path };
  switch (rest.join("/")) {
    case "v2.0/.well-known/openid-configuration":
      return { kind: "discovery", version: "2.0", tenant };
    case ".well-known/openid-configuration":
      return { kind: "discovery", version: "1.0", tenant };
    case "discovery/v2.0/keys":
      return { kind: "jwks", version: "2.0", tenant };
    case "discovery/keys":
      return { kind: "jwks", version: "1.0", tenant };
    default:
      return { kind: "unknown", path };
  }
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    "content-type": JSON_TYPE,
    "content-length": Buffer.byteLength(body),
    // What Entra sends for its metadata; a client that honours it caches for a day.
    "cache-control": "max-age=86400, private",
  });
  response.end(body);
}
