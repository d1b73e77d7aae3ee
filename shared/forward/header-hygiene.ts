// Which headers cross tollgate: hop-by-hop headers stop here, nothing a caller sends can pose as
// identity the backend trusts, and tollgate adds the identity it decided plus where the call came from.

import type { Principal } from "../token/principal.js";
import { easyAuthHeaders } from "./easy-auth-headers.js";
import { HeaderList } from "./header-list.js";
import { headerSafe, headerSafeList } from "./header-value.js";

/** Every identity header tollgate sets starts with this; callers can never send one through. */
export const IDENTITY_HEADER_PREFIX = "x-tollgate-";

/** The headers tollgate sets on the request to the backend. */
export const IDENTITY_HEADERS = {
  tenantId: "x-tollgate-tenant-id",
  objectId: "x-tollgate-object-id",
  clientAppId: "x-tollgate-client-app-id",
  kind: "x-tollgate-principal-kind",
  /** Comma-separated; a ',' or '%' inside a role is percent-encoded (decodeURIComponent each item). */
  roles: "x-tollgate-roles",
  /** Space-separated, as in the token's `scp`. */
  scopes: "x-tollgate-scopes",
  /** The signed identity assertion (a JWT), see identity-assertion.ts. */
  assertion: "x-tollgate-assertion",
} as const;

// RFC 9110 §7.6.1 and the older ones everybody still sends. They describe one connection, never
// the end-to-end message. `expect` is here too: tollgate does not relay 100-continue (the HTTP
// server in front of it answers that), and the HTTP client refuses to send it.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
]);

// Headers a backend might believe about the caller, the request or the connection, which only a
// proxy in front of it may set. A caller who sends one is trying to speak for tollgate.
const CALLER_MAY_NOT_SEND = new Set([
  // Where the call came from: tollgate sets X-Forwarded-* itself from what it saw. A caller's chain
  // is replaced rather than appended to, because tollgate cannot tell a real chain from a forged one.
  "forwarded",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "x-azure-clientip",
  "x-azure-socketip",
  // App Service's TLS front end reports TLS and the client certificate with these.
  "x-arr-ssl",
  "x-arr-clientcert",
  // Path and method overrides: IIS, ASP.NET, Symfony, Express method-override and others route on
  // these, so a backend could serve a path or method other than the one tollgate authorised.
  "x-rewrite-url",
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  // The Functions host pairs the request it proxies to the worker with its invocation by this id,
  // and adds its own with TryAdd: a caller's copy wins. A backend that is a Function App would
  // see the caller's; tollgate never passes one on (the front end strips it before tollgate).
  "x-ms-invocation-id",
  // The HTTP client sets Host from the backend URL; X-Forwarded-Host carries the caller's.
  "host",
  "expect",
]);

const CALLER_MAY_NOT_SEND_PREFIXES = [
  IDENTITY_HEADER_PREFIX,
  // App Service Authentication ("Easy Auth") identity and token-store headers.
  "x-ms-client-principal",
  "x-ms-token-",
  "x-forwarded-",
  // X-Original-URL / -Host / -For / -Method: the same path, host and address overrides as above.
  "x-original-",
];

/** The claims the identity headers carry; a Principal has them all. */
export type IdentityClaims = Pick<
  Principal,
  "tenantId" | "objectId" | "clientAppId" | "kind" | "roles" | "scopes"
>;

export interface UpstreamHeaderOptions {
  /** The caller's address as tollgate decided it (its peer, or what a trusted front end reported). */
  clientIp?: string | undefined;
  /** The scheme the caller used to reach tollgate. */
  proto: "http" | "https";
  /** The Host the caller used to reach tollgate. */
  host: string;
  /** The authorised caller. Without it no identity header is set (spoofed ones are still removed). */
  principal?: IdentityClaims | undefined;
  /** Add Easy Auth's X-MS-CLIENT-PRINCIPAL* headers too (TOLLGATE_EASY_AUTH_HEADERS). */
  easyAuth?: Principal | undefined;
  /** The signed identity assertion for this backend. */
  assertion?: string | undefined;
  /** Send the caller's Authorization header on (off by default: the backend gets the assertion). */
  forwardAuthorization?: boolean | undefined;
  /**
   * More header names to remove, such as the shared secret header a front end adds for the
   * bypass defence: the backend has no business seeing it.
   */
  strip?: readonly string[] | undefined;
}

/** The names a Connection header lists (RFC 9110 §7.6.1), lowercased. */
function connectionNamed(value: string | readonly string[] | null | undefined): Set<string> {
  const named = new Set<string>();
  if (value === null || value === undefined) return named;
  const text = typeof value === "string" ? value : value.join(",");
  for (const token of text.split(",")) {
    const name = token.trim().toLowerCase();
    if (name !== "") named.add(name);
  }
  return named;
}

function callerMayNotSend(name: string): boolean {
  return (
    // CGI, WSGI, Rack and PHP fold "_" and "-" into one variable (HTTP_X_… for both spellings), and
    // the caller's copy may come last: "X_Tollgate_Roles" would then be the roles the backend
    // reads. Every name with "_" is dropped, as nginx and current gunicorn do, rather than only
    // those whose dash form is on the lists here: a backend trusts headers tollgate cannot know.
    name.includes("_") ||
    CALLER_MAY_NOT_SEND.has(name) ||
    CALLER_MAY_NOT_SEND_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
}

/**
 * The headers for the request to the backend. Starts from what the caller sent, removes
 * hop-by-hop and Connection-named headers, anything a caller could use to pose as identity or
 * to move the request elsewhere, and Authorization unless asked; then adds X-Forwarded-* and the
 * identity headers. Connection is applied before tollgate's own headers go in, so a caller's
 * `Connection: x-tollgate-roles` can never remove them.
 */
export function buildUpstreamHeaders(incoming: Headers, opts: UpstreamHeaderOptions): HeaderList {
  const dropped = connectionNamed(incoming.get("connection"));
  for (const name of opts.strip ?? []) dropped.add(name.toLowerCase());
  if (opts.forwardAuthorization !== true) dropped.add("authorization");

  // A web Headers iterates lowercase names, each once with its values joined (Set-Cookie apart).
  const upstream = new HeaderList();
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || dropped.has(name) || callerMayNotSend(name)) continue;
    upstream.append(name, value);
  }

  if (opts.clientIp !== undefined && opts.clientIp !== "") {
    upstream.set("x-forwarded-for", headerSafe(opts.clientIp));
  }
  upstream.set("x-forwarded-proto", opts.proto);
  upstream.set("x-forwarded-host", headerSafe(opts.host));

  if (opts.easyAuth !== undefined)
    for (const [name, value] of easyAuthHeaders(opts.easyAuth)) upstream.set(name, value);

  const principal = opts.principal;
  if (principal !== undefined) {
    for (const [name, value] of identityHeadersOf(principal)) upstream.set(name, value);
  }
  if (opts.assertion !== undefined) upstream.set(IDENTITY_HEADERS.assertion, headerSafe(opts.assertion));
  return upstream;
}

/**
 * The identity headers of a principal, escaped once per verified token: the token cache hands out
 * the same principal object for every request with that token, and a WeakMap entry lives exactly
 * as long as that object, so it can never serve another token.
 */
const identityHeaderMemo = new WeakMap<IdentityClaims, readonly (readonly [string, string])[]>();

function identityHeadersOf(principal: IdentityClaims): readonly (readonly [string, string])[] {
  let headers = identityHeaderMemo.get(principal);
  if (headers === undefined) {
    headers = [
      [IDENTITY_HEADERS.tenantId, headerSafe(principal.tenantId)],
      [IDENTITY_HEADERS.objectId, headerSafe(principal.objectId)],
      [IDENTITY_HEADERS.clientAppId, headerSafe(principal.clientAppId)],
      [IDENTITY_HEADERS.kind, principal.kind],
      // An empty list is sent as an empty value, so "no roles" is stated rather than left to guess.
      [IDENTITY_HEADERS.roles, headerSafeList(principal.roles, ",")],
      [IDENTITY_HEADERS.scopes, headerSafeList(principal.scopes, " ")],
    ];
    identityHeaderMemo.set(principal, headers);
  }
  return headers;
}

/** Response headers as the HTTP client hands them over: lowercase names, several Set-Cookie as an array. */
export type RawResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The backend's response headers without hop-by-hop and Connection-named ones, for the caller, as
 * pairs a Response takes directly: a Headers built here would only be copied into the Response's own.
 */
export function responseHeaderPairs(raw: RawResponseHeaders): [string, string][] {
  const dropped = connectionNamed(raw.connection);
  const pairs: [string, string][] = [];
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || HOP_BY_HOP.has(name) || dropped.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) pairs.push([name, item]);
    else pairs.push([name, value]);
  }
  return pairs;
}
