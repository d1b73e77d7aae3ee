// The attack corpus: every request below goes over real HTTP (a raw socket, so nothing is tidied
// up on the way) to a running local host, with Azurite, the loopback Entra-shaped issuer and an
// echo backend behind it. One row per attack: what is sent, the status and reason expected.
// A refusal never reaches the backend; a reader never reaches /manage however the path is spelled.
//
// Reason `null` means the answer has no problem body: either it was allowed (2xx) or Node's HTTP
// parser refused the request before tollgate saw it (400 for framing it cannot trust, 431 for
// oversized headers), which is the right place for that refusal.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EchoedRequest } from "../../tools/loopback/echo-backend.js";
import { AUDIENCE, type HostPath, type Stack, startStack } from "../support/attack-stack.js";
import type { LocalHost } from "../support/local-host.js";
import { explainArgs, gatewayVerdict, runExplain } from "./explain-agrees.js";
import { b64, decoded, flipBit, partOf, signText, unsigned, withPart, worstCaseRoute } from "./forge.js";
import { type HeaderList, type RawRequest, reasonOf, sendRaw } from "./raw-http.js";

/** The API's own application (client) id, also an accepted audience (an ID token could carry it). */
const API_CLIENT_ID = randomUUID();
const READER_OID = randomUUID();
const OTHER_TENANT = randomUUID();
/** Personal Microsoft accounts: not "any organisation", so refused under '*' unless listed. */
const CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const ADMIN_OID = randomUUID();

const POLICY = {
  version: 1,
  rules: [
    {
      id: "orders-read",
      methods: ["GET"],
      path: "/orders/**",
      require: { roles: { anyOf: ["reader", "admin"] } },
    },
    { id: "manage", methods: ["*"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
    // Open to any valid token: a one-segment wildcard is where a backend's reading of a segment
    // ("manage;x", "%6danage") differs from the role map's, if tollgate let it.
    { id: "health", methods: ["GET"], path: "/*/health" },
    // A strict rule before a looser one: where a backend reads a request more loosely than the
    // matcher (a trailing slash, HEAD for GET), the looser rule must not decide it.
    {
      id: "roles-admin",
      methods: ["PUT"],
      path: "/users/{id}/roles",
      require: { roles: { anyOf: ["admin"] } },
    },
    { id: "users", methods: ["*"], path: "/users/**", require: { roles: { anyOf: ["reader", "admin"] } } },
    { id: "q3", methods: ["GET"], path: "/reports/q3", require: { roles: { anyOf: ["admin"] } } },
    { id: "reports", methods: ["*"], path: "/reports/**" },
    // Public rules: no token. A stricter rule beside a public one must not be reached through it
    // by a backend's looser reading (PUT /health/ is PUT /health to Express), and a host: rule
    // must not be reached by a host the caller claims.
    { id: "health-admin", methods: ["PUT"], path: "/health", require: { roles: { anyOf: ["admin"] } } },
    { id: "health-public", methods: ["GET", "PUT"], path: "/health/", public: true },
    { id: "internal-status", methods: ["GET"], path: "/status", host: "status.internal", public: true },
  ],
  cors: { origins: ["https://app.contoso.com"], methods: ["GET", "POST"] },
};

/** The multi-tenant host's settings on top of the stack's. */
const MULTI_TENANT = { TOLLGATE_TENANTS: "*", TOLLGATE_ALGORITHMS: "RS256,ES256" };
const FRONT_END_KEY = "front-end-key-".repeat(3);
/** Hosts behind a trusted front end: by address range, and by the bypass defence. */
const TRUSTED = { TOLLGATE_TRUSTED_PROXIES: "127.0.0.0/8" };
const FRONT_END = { TOLLGATE_TRUSTED_PROXIES: "front-end", TOLLGATE_GATEWAY_KEY: FRONT_END_KEY };
/** Rows where `tollgate explain` was run beside the gateway (see explain-agrees.ts). */
let explained = 0;

let stack: Stack;
/** RS256 only, one tenant, v2 only: the defaults. On the local host and on the Functions path. */
const hosts = {} as Record<HostPath, LocalHost>;
/** Any tenant (`*`) and ES256 allowed as well: for the common keys and the EC cases. */
const multiTenantHosts = {} as Record<HostPath, LocalHost>;
/** Behind trusted front ends (see Attack.on), started with the rows that use them. */
const trustedHosts = {} as Record<HostPath, LocalHost>;
const frontEndHosts = {} as Record<HostPath, LocalHost>;

interface Kit {
  stack: Stack;
  ecKid: string;
  /** A reader's token (roles: reader), and its decoded parts. */
  reader: string;
  readerClaims: Record<string, unknown>;
  readerHeader: Record<string, unknown>;
  admin: string;
  now: number;
}
let kit: Kit;

interface Attack extends RawRequest {
  /**
   * Which host receives it; default the single-tenant RS256 host, which trusts no front end.
   * `trusted`: TOLLGATE_TRUSTED_PROXIES=127.0.0.0/8 (the test's own address, the peer on both
   * paths); `frontEnd`: TOLLGATE_TRUSTED_PROXIES=front-end with a gateway key.
   */
  on?: "multiTenant" | "trusted" | "frontEnd";
}
type Build = (kit: Kit) => Attack | Promise<Attack>;
/** Extra checks on what reached the backend for this request (allowed requests only). */
type Check = (seen: EchoedRequest[], kit: Kit) => void;
type Row = [attack: string, build: Build, status: number, reason: string | null, check?: Check];

const bearer = (token: string): HeaderList => [["Authorization", `Bearer ${token}`]];
const get = (target: string, token: string, headers: HeaderList = []): Attack => ({
  target,
  headers: [...bearer(token), ...headers],
});
/** GET /orders/1 with this token. */
const withToken = (token: string, on?: "multiTenant"): Attack => ({
  ...get("/orders/1", token),
  ...(on ? { on } : {}),
});
const mint = (k: Kit, options: Parameters<Stack["issuer"]["mint"]>[0] = {}) =>
  k.stack.issuer.mint({ roles: ["reader"], oid: READER_OID, ...options });
/** The reader's token re-signed by the issuer with `header` members changed. */
const reheader = async (k: Kit, header: Record<string, unknown>) =>
  withToken(await k.stack.issuer.signRaw({ ...k.readerHeader, ...header }, k.readerClaims));
/** The reader's claims as JSON text with `edit` applied, signed byte for byte by the issuer's key. */
const payloadText = async (k: Kit, edit: (json: string) => string) =>
  withToken(
    await signText(
      k.stack.issuer,
      k.stack.issuer.activeKid,
      JSON.stringify(k.readerHeader),
      edit(JSON.stringify(k.readerClaims)),
    ),
  );
const headerText = async (k: Kit, text: (kid: string) => string) =>
  withToken(
    await signText(
      k.stack.issuer,
      k.stack.issuer.activeKid,
      text(k.stack.issuer.activeKid),
      JSON.stringify(k.readerClaims),
    ),
  );

const seenOne =
  (expectations: (headers: Record<string, string>, seen: EchoedRequest, k: Kit) => void): Check =>
  (seen, k) => {
    expect(seen).toHaveLength(1);
    const [only] = seen;
    if (only) expectations(only.headers, only, k);
  };
const reachedPath =
  (path: string): Check =>
  (seen) => {
    expect(seen.map((r) => r.path)).toEqual([path]);
  };

const TOKEN_ATTACKS: Row[] = [
  ["a good reader token (control)", (k) => withToken(k.reader), 200, null, reachedPath("/orders/1")],
  [
    "alg none, no signature",
    (k) => withToken(unsigned({ ...k.readerHeader, alg: "none" }, k.readerClaims)),
    401,
    "token_unsigned",
  ],
  [
    "alg None",
    (k) => withToken(unsigned({ ...k.readerHeader, alg: "None" }, k.readerClaims)),
    401,
    "token_unsigned",
  ],
  [
    "alg NONE",
    (k) => withToken(unsigned({ ...k.readerHeader, alg: "NONE" }, k.readerClaims)),
    401,
    "token_unsigned",
  ],
  [
    "alg none with the RS256 signature left on",
    (k) => withToken(withPart(k.reader, "header", b64(JSON.stringify({ ...k.readerHeader, alg: "none" })))),
    401,
    "token_unsigned",
  ],
  [
    "RS256→HS256 key confusion (HMAC keyed with the public key)",
    (k) => reheader(k, { alg: "HS256" }),
    401,
    "algorithm_not_allowed",
  ],
  ["RS512 where only RS256 is allowed", (k) => reheader(k, { alg: "RS512" }), 401, "algorithm_not_allowed"],
  [
    "ES256 signed by a published EC key, ES256 allowed (control)",
    async (k) => withToken(await mint(k, { kid: k.ecKid }), "multiTenant"),
    200,
    null,
  ],
  [
    "ES256 with r = s = 0 (psychic signature, CVE-2022-21449)",
    async (k) =>
      withToken(
        withPart(await mint(k, { kid: k.ecKid }), "signature", b64(new Uint8Array(64))),
        "multiTenant",
      ),
    401,
    "signature_invalid",
  ],
  [
    "ES256 with r = s = 0 DER-encoded (MAYCAQACAQA)",
    async (k) =>
      withToken(withPart(await mint(k, { kid: k.ecKid }), "signature", "MAYCAQACAQA"), "multiTenant"),
    401,
    "signature_invalid",
  ],
  [
    "an unknown crit",
    (k) => reheader(k, { crit: ["urn:example:x"], "urn:example:x": 1 }),
    401,
    "crit_not_supported",
  ],
  ["b64: false", (k) => reheader(k, { b64: false }), 401, "unencoded_payload_rejected"],
  [
    "b64: false listed in crit (RFC 7797)",
    (k) => reheader(k, { b64: false, crit: ["b64"] }),
    401,
    "crit_not_supported",
  ],
  [
    "an embedded jwk",
    (k) => reheader(k, { jwk: { kty: "RSA", n: "AQAB", e: "AQAB" } }),
    401,
    "embedded_key_rejected",
  ],
  ["a jku", (k) => reheader(k, { jku: "http://127.0.0.1:9/keys" }), 401, "embedded_key_rejected"],
  ["an x5u", (k) => reheader(k, { x5u: "http://127.0.0.1:9/cert.pem" }), 401, "embedded_key_rejected"],
  ["an x5c", (k) => reheader(k, { x5c: ["MIIBszCCAVmgAwIBAgIU"] }), 401, "embedded_key_rejected"],
  ["kid with path traversal", (k) => reheader(k, { kid: "../../../../etc/passwd" }), 401, "key_not_found"],
  ["kid with SQL (' OR '1'='1)", (k) => reheader(k, { kid: "' OR '1'='1" }), 401, "token_malformed"],
  [
    "kid with OData filter syntax",
    (k) => reheader(k, { kid: "x')or(PartitionKey%20ne%20'" }),
    401,
    "key_not_found",
  ],
  ["kid with a NUL", (k) => reheader(k, { kid: "a\u0000b" }), 401, "token_malformed"],
  ["kid that does not exist", (k) => reheader(k, { kid: "no-such-kid" }), 401, "key_not_found"],
  [
    "a five-part JWE",
    () => withToken([b64('{"alg":"RSA-OAEP","enc":"A256GCM"}'), "AAAA", "AAAA", "AAAA", "AAAA"].join(".")),
    401,
    "token_encrypted",
  ],
  ["a three-part token with enc", (k) => reheader(k, { enc: "A256GCM" }), 401, "token_encrypted"],
  ["four parts", (k) => withToken(`${k.reader}.AAAA`), 401, "token_malformed"],
  ["a flipped signature bit", (k) => withToken(flipBit(k.reader, "signature", 10)), 401, "signature_invalid"],
  [
    "a flipped header bit (in x5t)",
    (k) => withToken(flipBit(k.reader, "header", String(k.readerHeader.x5t))),
    401,
    "signature_invalid",
  ],
  [
    "a flipped payload bit (reader → seader)",
    (k) => withToken(flipBit(k.reader, "payload", "reader")),
    401,
    "signature_invalid",
  ],
  [
    // The control row has put this token in the verified-token cache, whose key is the token's
    // last 43 characters: this forgery lands on that entry and must still be verified.
    "the cached reader token's signature under a payload granting admin",
    (k) =>
      withToken(
        withPart(
          k.reader,
          "payload",
          b64(
            JSON.stringify({
              ...JSON.parse(Buffer.from(partOf(k.reader, "payload"), "base64url").toString()),
              roles: ["admin"],
            }),
          ),
        ),
      ),
    401,
    "signature_invalid",
  ],
  [
    "a space inside the token",
    (k) => withToken(k.reader.replace(".", ". ")),
    400,
    "authorization_header_invalid",
  ],
  [
    "a tab inside the token",
    (k) => withToken(k.reader.replace(".", ".\t")),
    400,
    "authorization_header_invalid",
  ],
  [
    "a no-break space (0xA0) inside the token",
    (k) => withToken(k.reader.replace(".", ".\u00a0")),
    400,
    "authorization_header_invalid",
  ],
  // Node's parser refuses obsolete line folding (RFC 9112 §5.2) before tollgate sees it.
  ["the token folded onto a second line", (k) => withToken(k.reader.replace(".", ".\r\n ")), 400, null],
  ["padding after the signature", (k) => withToken(`${k.reader}=`), 401, "token_malformed"],
  [
    "a padded payload segment",
    (k) => withToken(withPart(k.reader, "payload", padded(JSON.stringify(k.readerClaims)))),
    401,
    "token_malformed",
  ],
  [
    "a '+' (standard base64) in the signature",
    (k) => withToken(withPart(k.reader, "signature", `+${partOf(k.reader, "signature").slice(1)}`)),
    401,
    "token_malformed",
  ],
  [
    "stray bits in the signature's last character",
    (k) => withToken(strayBits(k.reader)),
    401,
    "token_malformed",
  ],
  [
    "a percent-encoded dot between parts",
    (k) => withToken(k.reader.replace(".", "%2E")),
    401,
    "token_malformed",
  ],
  [
    "duplicate alg in the header (none, then RS256)",
    (k) => headerText(k, (kid) => `{"alg":"none","typ":"JWT","kid":"${kid}","alg":"RS256"}`),
    401,
    "token_malformed",
  ],
  [
    "duplicate kid in the header",
    (k) => headerText(k, (kid) => `{"alg":"RS256","typ":"JWT","kid":"elsewhere","kid":"${kid}"}`),
    401,
    "token_malformed",
  ],
  [
    "duplicate roles in the payload (reader, then admin)",
    (k) => payloadText(k, (json) => json.replace(/}$/, ',"roles":["admin"]}')),
    401,
    "token_malformed",
  ],
  [
    "duplicate roles spelled with an escape (\\u0072oles)",
    (k) => payloadText(k, (json) => json.replace(/}$/, ',"\\u0072oles":["admin"]}')),
    401,
    "token_malformed",
  ],
  [
    "exp as a string",
    async (k) => withToken(await mint(k, { claims: { exp: String(k.now + 600) } })),
    401,
    "claim_invalid",
  ],
  [
    "exp as 1e400 (Infinity)",
    (k) => payloadText(k, (json) => json.replace(/"exp":\d+/, '"exp":1e400')),
    401,
    "claim_invalid",
  ],
  ["exp missing", async (k) => withToken(await mint(k, { omit: ["exp"] })), 401, "claim_invalid"],
  [
    "nbf in the future",
    async (k) => withToken(await mint(k, { claims: { nbf: k.now + 600 } })),
    401,
    "token_not_yet_valid",
  ],
  [
    "iat in the future",
    async (k) => withToken(await mint(k, { claims: { iat: k.now + 600 } })),
    401,
    "token_issued_in_future",
  ],
  [
    "aud as an array, one good and one bad",
    async (k) => withToken(await mint(k, { aud: [AUDIENCE, "api://other"] })),
    401,
    "audience_not_allowed",
  ],
  [
    "another tenant's issuer, signed with the common keys (multi-tenant host)",
    async (k) =>
      withToken(
        await mint(k, { tid: randomUUID(), iss: k.stack.issuer.issuerV2(randomUUID()) }),
        "multiTenant",
      ),
    401,
    "issuer_not_allowed",
  ],
  [
    "another tenant's issuer in an allowed tenant's token",
    async (k) => withToken(await mint(k, { iss: k.stack.issuer.issuerV2(randomUUID()) })),
    401,
    "issuer_not_allowed",
  ],
  [
    "another organisation's token under TOLLGATE_TENANTS=* (control)",
    async (k) =>
      withToken(
        await mint(k, { tid: OTHER_TENANT, iss: k.stack.issuer.issuerV2(OTHER_TENANT) }),
        "multiTenant",
      ),
    200,
    null,
  ],
  [
    "a personal Microsoft account (the consumer tenant) under TOLLGATE_TENANTS=*",
    async (k) =>
      withToken(
        await mint(k, { tid: CONSUMER_TENANT, iss: k.stack.issuer.issuerV2(CONSUMER_TENANT) }),
        "multiTenant",
      ),
    401,
    "tenant_not_allowed",
  ],
  [
    "a tenant not on the list",
    async (k) => withToken(await mint(k, { tid: randomUUID() })),
    401,
    "tenant_not_allowed",
  ],
  [
    "a v1 token where only v2 is allowed",
    async (k) => withToken(await mint(k, { version: "1.0" })),
    401,
    "token_version_not_allowed",
  ],
  [
    "an ID token for a SPA (aud = the SPA's client id, no scp, roles or azp)",
    async (k) =>
      withToken(
        await mint(k, { aud: randomUUID(), roles: undefined, omit: ["scp", "roles", "azp", "azpacr"] }),
      ),
    401,
    "audience_not_allowed",
  ],
  [
    "an ID token when the SPA and the API share an app registration (aud = the API's client id)",
    async (k) => withToken(await mint(k, { aud: API_CLIENT_ID, omit: ["scp", "roles", "azp", "azpacr"] })),
    401,
    "not_an_access_token",
  ],
  [
    "a Microsoft Graph token (nonce header, Graph audience)",
    async (k) =>
      withToken(await mint(k, { aud: "00000003-0000-0000-c000-000000000000", header: { nonce: "x" } })),
    401,
    "graph_token",
  ],
  ["a token of 16 KiB + 1 byte", () => withToken("a".repeat(16 * 1024 + 1)), 401, "token_too_large"],
  // Past the HTTP server's header limit: refused before tollgate reads a byte of it.
  ["a token of 1 MiB", () => withToken("a".repeat(1024 * 1024)), 431, null],
  [
    "two Authorization headers",
    (k) => ({ target: "/orders/1", headers: [...bearer(k.reader), ...bearer(k.admin)] }),
    400,
    "authorization_header_invalid",
  ],
  [
    "Authorization: Basic",
    () => ({ target: "/orders/1", headers: [["Authorization", `Basic ${b64("reader:pw")}`]] }),
    401,
    "authorization_scheme_unsupported",
  ],
  [
    "Bearer without a token",
    () => ({ target: "/orders/1", headers: [["Authorization", "Bearer"]] }),
    400,
    "authorization_header_invalid",
  ],
  [
    "a token in the query string",
    (k) => ({ target: `/orders/1?access_token=${k.reader}` }),
    401,
    "token_missing",
  ],
];

const REQUEST_ATTACKS: Row[] = [
  [
    "spoofed X-Forwarded-For, Forwarded, X-Real-IP",
    (k) =>
      get("/orders/1", k.reader, [
        ["X-Forwarded-For", "203.0.113.9"],
        ["Forwarded", "for=203.0.113.9"],
        ["X-Real-IP", "203.0.113.9"],
        ["X-Forwarded-Host", "admin.internal"],
      ]),
    200,
    null,
    seenOne((h) => {
      expect(h["x-forwarded-for"]).toBe("127.0.0.1");
      expect(h["x-forwarded-host"]).not.toBe("admin.internal");
      expect(h.forwarded).toBeUndefined();
      expect(h["x-real-ip"]).toBeUndefined();
    }),
  ],
  [
    "X-MS-CLIENT-PRINCIPAL and other App Service identity headers",
    (k) =>
      get("/orders/1", k.reader, [
        ["X-MS-CLIENT-PRINCIPAL", b64('{"userRoles":["admin"]}')],
        ["X-MS-CLIENT-PRINCIPAL-ID", ADMIN_OID],
        ["X-MS-CLIENT-PRINCIPAL-NAME", "admin@contoso.com"],
        ["X-MS-TOKEN-AAD-ACCESS-TOKEN", "x"],
      ]),
    200,
    null,
    seenOne((h) => {
      expect(Object.keys(h).filter((name) => name.startsWith("x-ms-"))).toEqual([]);
    }),
  ],
  [
    "tollgate's own identity headers, forged",
    (k) =>
      get("/orders/1", k.reader, [
        ["X-Tollgate-Object-Id", ADMIN_OID],
        ["X-Tollgate-Roles", "admin"],
        ["X-Tollgate-Principal-Kind", "app"],
        ["X-Tollgate-Assertion", "forged.assertion.value"],
      ]),
    200,
    null,
    seenOne((h) => {
      expect(h["x-tollgate-object-id"]).toBe(READER_OID);
      expect(h["x-tollgate-roles"]).toBe("reader");
      expect(h["x-tollgate-principal-kind"]).toBe("user");
      expect(h["x-tollgate-assertion"]).not.toContain("forged");
    }),
  ],
  [
    "Connection naming tollgate's headers, to strip them",
    (k) =>
      get("/orders/1", k.reader, [
        [
          "Connection",
          "close, x-tollgate-roles, x-tollgate-object-id, x-tollgate-assertion, x-forwarded-for",
        ],
      ]),
    200,
    null,
    seenOne((h) => {
      expect(h["x-tollgate-roles"]).toBe("reader");
      expect(h["x-tollgate-object-id"]).toBe(READER_OID);
      expect(h["x-tollgate-assertion"]).toMatch(/^ey/);
      expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    }),
  ],
  [
    "X-Original-URL / X-Rewrite-URL / method overrides",
    (k) =>
      get("/orders/1", k.reader, [
        ["X-Original-URL", "/manage/users"],
        ["X-Rewrite-URL", "/manage/users"],
        ["X-HTTP-Method-Override", "DELETE"],
      ]),
    200,
    null,
    seenOne((h, seen) => {
      expect(seen.path).toBe("/orders/1");
      expect(h["x-original-url"]).toBeUndefined();
      expect(h["x-rewrite-url"]).toBeUndefined();
      expect(h["x-http-method-override"]).toBeUndefined();
    }),
  ],
  [
    "underscore spellings of protected headers (CGI, WSGI, Rack and PHP fold _ into -)",
    (k) =>
      get("/orders/1", k.reader, [
        ["X_Tollgate_Roles", "admin"],
        ["X-Tollgate_Object-Id", ADMIN_OID],
        ["X_Forwarded_For", "203.0.113.9"],
        ["X_HTTP_Method_Override", "DELETE"],
        ["X_MS_CLIENT_PRINCIPAL_ID", ADMIN_OID],
        ["X_Custom_Trusted", "1"],
      ]),
    200,
    null,
    seenOne((h) => {
      expect(Object.keys(h).filter((name) => name.includes("_"))).toEqual([]);
      expect(h["x-tollgate-roles"]).toBe("reader");
      expect(h["x-tollgate-object-id"]).toBe(READER_OID);
    }),
  ],
  [
    // The Functions host adds its own x-ms-invocation-id with TryAdd, so a caller's copy would win
    // at a backend that is itself a Function App: tollgate never passes one on.
    "x-ms-invocation-id from the caller (a Functions backend's host pairs requests by it)",
    (k) => get("/orders/1", k.reader, [["x-ms-invocation-id", "00000000-0000-4000-8000-000000000001"]]),
    200,
    null,
    seenOne((h) => {
      expect(h["x-ms-invocation-id"]).toBeUndefined();
      expect(h["x-tollgate-roles"]).toBe("reader");
    }),
  ],
  [
    "?_method=DELETE (Rails, Laravel, Symfony run it as DELETE)",
    (k) => ({ ...get("/orders/1?_method=DELETE", k.reader), method: "POST" }),
    400,
    "method_override_refused",
  ],
  [
    "?_METHOD=DELETE on a GET",
    (k) => get("/orders/1?_METHOD=DELETE", k.reader),
    400,
    "method_override_refused",
  ],
  [
    "?%5Fmethod=DELETE (encoded name)",
    (k) => get("/orders/1?%5Fmethod=DELETE", k.reader),
    400,
    "method_override_refused",
  ],
  [
    "?.method=DELETE (PHP folds '.' to '_')",
    (k) => get("/orders/1?.method=DELETE", k.reader),
    400,
    "method_override_refused",
  ],
  [
    "?x-http-method-override=DELETE",
    (k) => get("/orders/1?x-http-method-override=DELETE", k.reader),
    400,
    "method_override_refused",
  ],
  [
    "?method=DELETE (not an override anyone honours, control)",
    (k) => get("/orders/1?method=DELETE", k.reader),
    200,
    null,
  ],
  [
    "HEAD where GET is refused (the backend runs its GET handler)",
    (k) => ({ ...get("/reports/q3", k.reader), method: "HEAD" }),
    403,
    null,
  ],
  ["GET /reports/q3 by a reader (control)", (k) => get("/reports/q3", k.reader), 403, "insufficient_scope"],
  [
    "HEAD where GET is allowed",
    (k) => ({ ...get("/reports/q4", k.reader), method: "HEAD" }),
    200,
    null,
    seenOne((_h, seen) => expect(seen.method).toBe("HEAD")),
  ],
  [
    "Transfer-Encoding with Content-Length (CL.TE, smuggling a GET /manage)",
    (k) => ({
      method: "POST",
      target: "/orders/1",
      headers: [...bearer(k.admin), ["Content-Length", "6"], ["Transfer-Encoding", "chunked"]],
      body: `0\r\n\r\nGET /manage/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${k.admin}\r\n\r\n`,
    }),
    400,
    null,
  ],
  [
    "an obfuscated Transfer-Encoding (chunked, then xchunked)",
    (k) => ({
      method: "POST",
      target: "/orders/1",
      headers: [...bearer(k.admin), ["Transfer-Encoding", "chunked"], ["Transfer-Encoding", "xchunked"]],
      body: "0\r\n\r\n",
    }),
    400,
    null,
  ],
  [
    "Transfer-Encoding with a space before the colon",
    (k) => ({
      method: "POST",
      target: "/orders/1",
      headers: [...bearer(k.admin), ["Transfer-Encoding ", "chunked"], ["Content-Length", "5"]],
      body: "0\r\n\r\n",
    }),
    400,
    null,
  ],
  [
    "two different Content-Lengths",
    (k) => ({
      method: "POST",
      target: "/orders/1",
      headers: [...bearer(k.admin), ["Content-Length", "3"], ["Content-Length", "5"]],
      body: "abcde",
    }),
    400,
    null,
  ],
  [
    "an oversized header set (400 headers of 100 bytes)",
    (k) =>
      get(
        "/orders/1",
        k.reader,
        Array.from({ length: 400 }, (_, i) => [`X-Pad-${i}`, "v".repeat(100)] as const),
      ),
    431,
    null,
  ],
  [
    "a Host that carries a path (Host: x/manage/users?)",
    (k) => get("/orders/1", k.admin, [["Host", "x/manage/users?"]]),
    400,
    null,
  ],
  ["an empty Host", (k) => get("/orders/1", k.reader, [["Host", ""]]), 400, null],
  [
    "an absolute-form request target",
    (k) => get("http://backend.internal/manage/users", k.reader),
    400,
    null,
  ],
];

// Each is sent by the reader. Whatever the status, the backend must never see a path that any
// backend could route under /manage (see `worstCaseRoute` and the check after the table).
const PATH_ATTACKS: Row[] = [
  [
    "/manage/../orders/1 (resolved before matching)",
    (k) => get("/manage/../orders/1", k.reader),
    200,
    null,
    reachedPath("/orders/1"),
  ],
  ["/orders/../manage/users", (k) => get("/orders/../manage/users", k.reader), 403, "insufficient_scope"],
  [
    "/orders/%2e%2e/manage/users",
    (k) => get("/orders/%2e%2e/manage/users", k.reader),
    403,
    "insufficient_scope",
  ],
  ["/orders/.%2E/manage/users", (k) => get("/orders/.%2E/manage/users", k.reader), 403, "insufficient_scope"],
  [
    "/orders\\..\\manage\\users (backslashes)",
    (k) => get("/orders\\..\\manage\\users", k.reader),
    403,
    "insufficient_scope",
  ],
  ["//manage/users", (k) => get("//manage/users", k.reader), 400, "path_invalid"],
  [
    "/orders%2f..%2fmanage/users (encoded slashes)",
    (k) => get("/orders%2f..%2fmanage/users", k.reader),
    400,
    "path_invalid",
  ],
  ["/orders/..%2Fmanage/users", (k) => get("/orders/..%2Fmanage/users", k.reader), 400, "path_invalid"],
  [
    "/orders/%252e%252e/manage/users (double-encoded)",
    (k) => get("/orders/%252e%252e/manage/users", k.reader),
    400,
    "path_invalid",
  ],
  [
    "/orders/..;/manage/users (Tomcat's ..;)",
    (k) => get("/orders/..;/manage/users", k.reader),
    400,
    "path_invalid",
  ],
  ["/MANAGE/users (case variant)", (k) => get("/MANAGE/users", k.reader), 400, "path_invalid"],
  ["/Orders/1 (case variant)", (k) => get("/Orders/1", k.reader), 400, "path_invalid"],
  [
    "/manage;x=1/health (path parameter on a wildcard segment)",
    (k) => get("/manage;x=1/health", k.reader),
    400,
    "path_invalid",
  ],
  [
    "/;x/manage/health (a segment that is only a parameter)",
    (k) => get("/;x/manage/health", k.reader),
    400,
    "path_invalid",
  ],
  ["/%6danage/health (an encoded letter)", (k) => get("/%6danage/health", k.reader), 400, "path_invalid"],
  ["/orders/1%00 (encoded NUL)", (k) => get("/orders/1%00", k.reader), 400, "path_invalid"],
  [
    "/orders/1?/../../manage/users (dots in the query)",
    (k) => get("/orders/1?/../../manage/users", k.reader),
    200,
    null,
  ],
  [
    "/orders/1#/../../manage/users (a fragment)",
    (k) => get("/orders/1#/../../manage/users", k.reader),
    200,
    null,
    reachedPath("/orders/1"),
  ],
  [
    "PUT /users/42/roles/ (a trailing slash Express, ASP.NET Core and old Spring ignore)",
    (k) => ({ ...get("/users/42/roles/", k.reader), method: "PUT" }),
    400,
    "path_invalid",
  ],
  [
    "PUT /users/42/Roles/ (trailing slash and case)",
    (k) => ({ ...get("/users/42/Roles/", k.reader), method: "PUT" }),
    400,
    "path_invalid",
  ],
  [
    "PUT /users/42/roles;x/ (trailing slash and a ';' parameter)",
    (k) => ({ ...get("/users/42/roles;x/", k.reader), method: "PUT" }),
    400,
    "path_invalid",
  ],
  [
    "PUT /users/42/roles (control)",
    (k) => ({ ...get("/users/42/roles", k.reader), method: "PUT" }),
    403,
    "insufficient_scope",
  ],
  [
    "GET /users/42/roles/ (same rule either way, control)",
    (k) => get("/users/42/roles/", k.reader),
    200,
    null,
  ],
  ["/manage/users (control)", (k) => get("/manage/users", k.reader), 403, "insufficient_scope"],
  ["/orders/health (open wildcard rule, control)", (k) => get("/orders/health", k.reader), 200, null],
];

const noIdentity: Check = (seen) => {
  expect(seen).toHaveLength(1);
  const names = Object.keys(seen[0]?.headers ?? {});
  expect(
    names.filter((name) => name.startsWith("x-tollgate-") || name.startsWith("x-ms-client-principal")),
  ).toEqual([]);
  expect(names).not.toContain("authorization");
};
const backendSaw =
  (expected: Record<string, string>): Check =>
  (seen) => {
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers).toMatchObject(expected);
  };
const open = (target: string, headers: HeaderList = [], on?: Attack["on"]): Attack => ({
  target,
  headers,
  ...(on ? { on } : {}),
});

// Public rules: no token is needed, none is checked or forwarded, and the backend gets no
// identity; the path checks still hold, so no reading of a public path reaches a stricter rule.
const PUBLIC_ATTACKS: Row[] = [
  ["GET /health/ without a token (a public rule, control)", () => open("/health/"), 200, null, noIdentity],
  [
    "GET /health/ with identity headers of its own (never passed on)",
    () =>
      open("/health/", [
        ["X-Tollgate-Roles", "admin"],
        ["X-Tollgate-Object-Id", ADMIN_OID],
        ["X-MS-CLIENT-PRINCIPAL-ID", ADMIN_OID],
        ["X_Tollgate_Roles", "admin"],
      ]),
    200,
    null,
    noIdentity,
  ],
  [
    "GET /health/ with a forged token sent anyway (not checked, not forwarded)",
    (k) => get("/health/", withPart(k.reader, "signature", b64("forged"))),
    200,
    null,
    noIdentity,
  ],
  [
    "GET /health/ with the admin's token (a public route gives no identity to the backend)",
    (k) => get("/health/", k.admin),
    200,
    null,
    noIdentity,
  ],
  [
    "PUT /health/ without a token (its slash-less reading is the admin rule PUT /health)",
    () => ({ ...open("/health/"), method: "PUT" }),
    401,
    "token_missing",
  ],
  [
    "PUT /health/ by a reader (a backend that drops the slash would run the admin route)",
    (k) => ({ ...get("/health/", k.reader), method: "PUT" }),
    400,
    "path_invalid",
  ],
  [
    "PUT /Health/ by a reader (case and slash)",
    (k) => ({ ...get("/Health/", k.reader), method: "PUT" }),
    400,
    "path_invalid",
  ],
  [
    "PUT /health by a reader (ambiguous both ways: a backend may route it to the public /health/)",
    (k) => ({ ...get("/health", k.reader), method: "PUT" }),
    400,
    "path_invalid",
  ],
  [
    "/health/?_method=PUT (a method override on a public route)",
    () => open("/health/?_method=PUT"),
    400,
    "method_override_refused",
  ],
  [
    "/health/%2e%2e/manage/users (dots on a public route)",
    () => open("/health/%2e%2e/manage/users"),
    401,
    "token_missing",
  ],
];

// Behind front ends: X-Forwarded-For, -Host and -Proto are believed only from a trusted peer,
// the client address by the rightmost-trusted-hop walk; what a trusted peer sends that cannot
// be read is refused. Under the Functions host the platform appends the peer to X-Forwarded-For
// itself; the walk starts left of that entry.
const PROXY_ATTACKS: Row[] = [
  [
    "X-Forwarded-For from an untrusted peer (not believed)",
    () => open("/health/", [["X-Forwarded-For", "203.0.113.7"]]),
    200,
    null,
    backendSaw({ "x-forwarded-for": "127.0.0.1" }),
  ],
  [
    "X-Forwarded-Proto https from an untrusted peer (not believed)",
    () => open("/health/", [["X-Forwarded-Proto", "https"]]),
    200,
    null,
    backendSaw({ "x-forwarded-proto": "http" }),
  ],
  [
    "X-Forwarded-Host from an untrusted peer cannot reach a host: rule",
    () => open("/status", [["X-Forwarded-Host", "status.internal"]]),
    401,
    "token_missing",
  ],
  [
    "X-Forwarded-For from a trusted peer: the right-most untrusted entry, never the left-most",
    () => open("/health/", [["X-Forwarded-For", "198.51.100.66, 203.0.113.7"]], "trusted"),
    200,
    null,
    backendSaw({ "x-forwarded-for": "203.0.113.7" }),
  ],
  [
    "X-Forwarded-For from a trusted peer, trusted hops stepped over",
    () => open("/health/", [["X-Forwarded-For", "203.0.113.7, 127.0.0.9"]], "trusted"),
    200,
    null,
    backendSaw({ "x-forwarded-for": "203.0.113.7" }),
  ],
  [
    "X-Forwarded-Host and -Proto from a trusted peer reach its host: rule",
    () =>
      open(
        "/status",
        [
          ["X-Forwarded-Host", "status.internal"],
          ["X-Forwarded-Proto", "https"],
        ],
        "trusted",
      ),
    200,
    null,
    backendSaw({ "x-forwarded-host": "status.internal", "x-forwarded-proto": "https" }),
  ],
  [
    "a host: rule without X-Forwarded-Host from the trusted peer",
    () => open("/status", [], "trusted"),
    401,
    "token_missing",
  ],
  [
    "two X-Forwarded-Host headers from a trusted peer",
    () =>
      open(
        "/status",
        [
          ["X-Forwarded-Host", "status.internal"],
          ["X-Forwarded-Host", "evil.example"],
        ],
        "trusted",
      ),
    400,
    "forwarded_header_invalid",
  ],
  [
    "X-Forwarded-Host carrying a path from a trusted peer",
    () => open("/status", [["X-Forwarded-Host", "status.internal/manage/users?"]], "trusted"),
    400,
    "forwarded_header_invalid",
  ],
  [
    "an X-Forwarded-For entry that is not an address, from a trusted peer",
    () => open("/health/", [["X-Forwarded-For", "unknown"]], "trusted"),
    400,
    "forwarded_header_invalid",
  ],
  [
    "X-Forwarded-Proto ftp from a trusted peer",
    () => open("/health/", [["X-Forwarded-Proto", "ftp"]], "trusted"),
    400,
    "forwarded_header_invalid",
  ],
  [
    "a front end that passed the gateway-key check is believed (front-end)",
    () =>
      open(
        "/status",
        [
          ["X-Tollgate-Gateway-Key", FRONT_END_KEY],
          ["X-Forwarded-For", "203.0.113.7"],
          ["X-Forwarded-Host", "status.internal"],
        ],
        "frontEnd",
      ),
    200,
    null,
    (seen) => {
      backendSaw({ "x-forwarded-for": "203.0.113.7", "x-forwarded-host": "status.internal" })(seen, kit);
      expect(seen[0]?.headers["x-tollgate-gateway-key"]).toBeUndefined();
    },
  ],
  [
    "forwarded headers without the gateway key (front-end): refused by the bypass defence",
    () =>
      open(
        "/status",
        [
          ["X-Forwarded-For", "203.0.113.7"],
          ["X-Forwarded-Host", "status.internal"],
        ],
        "frontEnd",
      ),
    403,
    "gateway_bypass_rejected",
  ],
  [
    "a public route without the gateway key: the bypass defence still applies",
    () => open("/health/", [], "frontEnd"),
    403,
    "gateway_bypass_rejected",
  ],
];

/** Standard base64 of `json` (spaces added until it ends in "=="). */
function padded(json: string): string {
  let text = json;
  while (Buffer.byteLength(text) % 3 !== 1) text += " ";
  return Buffer.from(text).toString("base64");
}

/** The signature with non-zero bits in the unused low bits of its last character. */
function strayBits(token: string): string {
  const signature = partOf(token, "signature");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(signature.slice(-1));
  return withPart(token, "signature", signature.slice(0, -1) + alphabet[last | 1]);
}

beforeAll(async () => {
  stack = await startStack({ TOLLGATE_AUDIENCES: `${AUDIENCE},${API_CLIENT_ID}` });
  const ecKid = await stack.issuer.addKey({ alg: "ES256" });
  await stack.push(POLICY);
  [
    hosts["local host"],
    multiTenantHosts["local host"],
    hosts["functions path"],
    multiTenantHosts["functions path"],
  ] = await Promise.all([
    stack.startHost(),
    stack.startHost(MULTI_TENANT),
    stack.startHost({}, "functions path"),
    stack.startHost(MULTI_TENANT, "functions path"),
  ]);
  const reader = await stack.issuer.mint({ roles: ["reader"], oid: READER_OID });
  kit = {
    stack,
    ecKid,
    reader,
    readerClaims: decoded(reader, "payload"),
    readerHeader: decoded(reader, "header"),
    admin: await stack.issuer.mint({ roles: ["admin"], oid: ADMIN_OID }),
    now: Math.floor(Date.now() / 1000),
  };
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

function hostsFor(attack: Attack): Record<HostPath, LocalHost> {
  if (attack.on === "multiTenant") return multiTenantHosts;
  if (attack.on === "trusted") return trustedHosts;
  if (attack.on === "frontEnd") return frontEndHosts;
  return hosts;
}

function runTable(rows: Row[], path: HostPath = "local host"): void {
  const named = rows.map(([attack, build, status, reason, check]) => ({
    attack,
    build,
    status,
    reason,
    check,
  }));
  it.each(named)("$attack → $status $reason", async ({ build, status, reason, check }) => {
    const attack = await build(kit);
    const before = stack.backend.requests.length;
    const answer = await sendRaw(hostsFor(attack)[path].url, attack);
    const seen = stack.backend.requests.slice(before);
    expect({ status: answer.status, reason: reasonOf(answer) }).toEqual({ status, reason });
    if (status >= 300) expect(seen, "a refused request reached the backend").toEqual([]);
    check?.(seen, kit);

    // Explain agrees with the gateway wherever it can say the same request (tollgate answered).
    const args = explainArgs(attack);
    if (
      args !== undefined &&
      (reason !== null || status < 300) &&
      attack.on !== "trusted" &&
      attack.on !== "frontEnd"
    ) {
      const env = attack.on === "multiTenant" ? { ...stack.env, ...MULTI_TENANT } : stack.env;
      const { verdict, code, output } = await runExplain(args, env);
      expect(verdict, "tollgate explain disagrees with the gateway").toEqual(gatewayVerdict(status, reason));
      expect(code).toBe(status < 300 ? 0 : 1);
      const token = args[args.length - 1] as string;
      expect(output).not.toContain(token);
      const signature = token.split(".")[2];
      if (signature && signature.length > 20) expect(output).not.toContain(signature);
      explained++;
    }
  });
}

describe("token attacks", () => runTable(TOKEN_ATTACKS));
describe("request smuggling and header spoofing", () => runTable(REQUEST_ATTACKS));
describe("path confusion", () => {
  runTable(PATH_ATTACKS);

  it("no path the reader sent reached anything a backend could route under /manage", () => {
    const readers = stack.backend.requests.filter((r) => r.headers["x-tollgate-object-id"] === READER_OID);
    expect(readers.length).toBeGreaterThan(0);
    expect(readers.map((r) => worstCaseRoute(r.path)).filter((path) => path.startsWith("/manage"))).toEqual(
      [],
    );
  });
});

describe("public rules", () => runTable(PUBLIC_ATTACKS));

/** The hosts behind trusted front ends, for the proxy rows on `path`. */
function startTrustedHosts(path: HostPath): void {
  beforeAll(async () => {
    [trustedHosts[path], frontEndHosts[path]] = await Promise.all([
      stack.startHost(TRUSTED, path),
      stack.startHost(FRONT_END, path),
    ]);
  }, 90_000);
}

describe("behind front ends: X-Forwarded-For, -Host and -Proto", () => {
  startTrustedHosts("local host");
  runTable(PROXY_ATTACKS);
});

describe("tollgate's own routes behind a front end", () => {
  it("readiness shows its detail (tenants, policy version, errors) only through the front end", async () => {
    const gatewayKey = "k".repeat(32);
    const fronted = await stack.startHost({ TOLLGATE_GATEWAY_KEY: gatewayKey });
    const direct = await sendRaw(fronted.url, { target: "/.tollgate/ready" });
    expect(direct.status).toBe(200);
    expect(JSON.parse(direct.body)).toEqual({ ready: true });
    expect(direct.body).not.toContain(stack.issuer.defaultTenant);
    const through = await sendRaw(fronted.url, {
      target: "/.tollgate/ready",
      headers: [["X-Tollgate-Gateway-Key", gatewayKey]],
    });
    expect(JSON.parse(through.body)).toMatchObject({ ready: true, policy: { loaded: true } });
    expect(through.body).toContain(stack.issuer.defaultTenant);
    // Liveness stays public, for platform probes.
    expect((await sendRaw(fronted.url, { target: "/.tollgate/health" })).status).toBe(200);
  });
});

describe("CORS", () => {
  const preflight = (origin: string, method = "GET", headers = "authorization"): RawRequest => ({
    method: "OPTIONS",
    target: "/orders/1",
    headers: [
      ["Origin", origin],
      ["Access-Control-Request-Method", method],
      ["Access-Control-Request-Headers", headers],
    ],
  });

  it("answers an allowed origin's preflight before authentication, and nothing reaches the backend", async () => {
    const before = stack.backend.requests.length;
    const answer = await sendRaw(hosts["local host"].url, preflight("https://app.contoso.com"));
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({
      "access-control-allow-origin": "https://app.contoso.com",
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-max-age": "600",
    });
    expect(stack.backend.requests.length).toBe(before);
  });

  it.each([
    ["another origin", preflight("https://evil.example")],
    ["a method the policy does not allow", preflight("https://app.contoso.com", "DELETE")],
    ["a header the policy does not allow", preflight("https://app.contoso.com", "GET", "x-tollgate-roles")],
  ])(
    "refuses a preflight from %s: no CORS headers, and the request is authenticated as any other",
    async (_, request) => {
      const answer = await sendRaw(hosts["local host"].url, request);
      expect({ status: answer.status, reason: reasonOf(answer) }).toEqual({
        status: 401,
        reason: "token_missing",
      });
      expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    },
  );

  it("lets an allowed origin read refusals and answers, and no other origin", async () => {
    const refused = await sendRaw(hosts["local host"].url, {
      target: "/orders/1",
      headers: [["Origin", "https://app.contoso.com"]],
    });
    expect(refused.status).toBe(401);
    expect(refused.headers["access-control-allow-origin"]).toBe("https://app.contoso.com");
    expect(refused.headers["access-control-expose-headers"]).toContain("www-authenticate");
    const allowed = await sendRaw(hosts["local host"].url, {
      ...get("/orders/1", kit.reader),
      headers: [...bearer(kit.reader), ["Origin", "https://app.contoso.com"]],
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.contoso.com");
    const other = await sendRaw(hosts["local host"].url, {
      target: "/orders/1",
      headers: [...bearer(kit.reader), ["Origin", "https://evil.example"]],
    });
    expect(other.status).toBe(200);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

// The same rows through the deploy bundle on the Functions path: @azure/functions builds the
// request from the host's trigger metadata (repeated headers joined by a comma) and streams it,
// and tollgate must refuse exactly what it refuses on the local host.
describe("on the Functions path", () => {
  describe("token attacks", () => runTable(TOKEN_ATTACKS, "functions path"));
  describe("path confusion", () => runTable(PATH_ATTACKS, "functions path"));
  describe("request smuggling and header spoofing", () => runTable(REQUEST_ATTACKS, "functions path"));
  describe("public rules", () => runTable(PUBLIC_ATTACKS, "functions path"));
  describe("behind front ends: X-Forwarded-For, -Host and -Proto", () => {
    startTrustedHosts("functions path");
    runTable(PROXY_ATTACKS, "functions path");
  });
});

it("explain was compared with the gateway on most rows", () => {
  // Every token and path row with one bearer token, on both paths; framing attacks and Host
  // tricks cannot be said.
  expect(explained).toBeGreaterThanOrEqual(140);
});
