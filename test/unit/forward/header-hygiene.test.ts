import { describe, expect, it } from "vitest";
import {
  buildUpstreamHeaders,
  type IdentityClaims,
  responseHeaderPairs,
  type UpstreamHeaderOptions,
} from "../../../shared/forward/header-hygiene.js";
import { principal } from "../../../tools/loopback/principal.js";

type Init = ConstructorParameters<typeof Headers>[0];

const PRINCIPAL: IdentityClaims = principal({
  roles: ["Orders.Read", "Orders.Write"],
  scopes: ["orders.read", "profile"],
});

const BASE: UpstreamHeaderOptions = {
  clientIp: "203.0.113.7",
  proto: "https",
  host: "api.contoso.com",
  principal: PRINCIPAL,
  assertion: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
};

const build = (incoming: Init, opts: Partial<UpstreamHeaderOptions> = {}) =>
  buildUpstreamHeaders(new Headers(incoming), { ...BASE, ...opts });

describe("buildUpstreamHeaders", () => {
  it("keeps end-to-end headers", () => {
    const out = build({
      accept: "application/json",
      "content-type": "text/plain",
      cookie: "a=1",
      "x-custom": "yes",
    });
    expect(out.get("accept")).toBe("application/json");
    expect(out.get("content-type")).toBe("text/plain");
    expect(out.get("cookie")).toBe("a=1");
    expect(out.get("x-custom")).toBe("yes");
  });

  it("drops hop-by-hop headers", () => {
    const out = build({
      connection: "keep-alive",
      "keep-alive": "timeout=5",
      "proxy-authenticate": "Basic",
      "proxy-authorization": "Basic Zm9vOmJhcg==",
      "proxy-connection": "keep-alive",
      te: "trailers",
      trailer: "x-checksum",
      "transfer-encoding": "chunked",
      upgrade: "websocket",
      expect: "100-continue",
    });
    // RFC 9110's own, then the older ones everybody still sends, then 100-continue.
    const standard = ["connection", "te", "trailer", "transfer-encoding", "upgrade"];
    const legacy = ["keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection"];
    for (const name of [...standard, ...legacy, "expect"]) {
      expect(out.has(name), name).toBe(false);
    }
  });

  it("drops every header the Connection header names", () => {
    const out = build({
      connection: "close, X-Secret-Hop ,x-other",
      "x-secret-hop": "1",
      "x-other": "2",
      "x-kept": "3",
    });
    expect(out.has("x-secret-hop")).toBe(false);
    expect(out.has("x-other")).toBe(false);
    expect(out.get("x-kept")).toBe("3");
  });

  it("never lets Connection strip the headers tollgate adds", () => {
    const out = build({
      connection: "x-tollgate-roles, x-tollgate-assertion, x-forwarded-for, x-tollgate-object-id",
      "x-tollgate-roles": "Admin",
    });
    expect(out.get("x-tollgate-roles")).toBe("Orders.Read,Orders.Write");
    expect(out.get("x-tollgate-assertion")).toBe(BASE.assertion);
    expect(out.get("x-tollgate-object-id")).toBe(PRINCIPAL.objectId);
    expect(out.get("x-forwarded-for")).toBe("203.0.113.7");
  });

  it("replaces spoofed x-tollgate-* headers, and drops ones tollgate does not set", () => {
    const out = build({
      "x-tollgate-roles": "Admin",
      "X-Tollgate-Object-Id": "11111111-1111-4111-8111-111111111111",
      "x-tollgate-tenant-id": "evil",
      "x-tollgate-assertion": "forged",
      "x-tollgate-groups": "admins",
    });
    expect(out.get("x-tollgate-roles")).toBe("Orders.Read,Orders.Write");
    expect(out.get("x-tollgate-object-id")).toBe(PRINCIPAL.objectId);
    expect(out.get("x-tollgate-tenant-id")).toBe(PRINCIPAL.tenantId);
    expect(out.get("x-tollgate-assertion")).toBe(BASE.assertion);
    expect(out.has("x-tollgate-groups")).toBe(false);
  });

  it("drops spoofed tollgate headers even when no principal is attached", () => {
    const out = build({ "x-tollgate-roles": "Admin" }, { principal: undefined, assertion: undefined });
    expect([...out.keys()].filter((name) => name.startsWith("x-tollgate-"))).toEqual([]);
  });

  it("drops App Service identity headers (X-MS-CLIENT-PRINCIPAL*, X-MS-TOKEN-*)", () => {
    const out = build({
      "X-MS-CLIENT-PRINCIPAL": "eyJhdXRoX3R5cCI6ImFhZCJ9",
      "X-MS-CLIENT-PRINCIPAL-ID": "00000000-0000-0000-0000-000000000000",
      "X-MS-CLIENT-PRINCIPAL-NAME": "admin@contoso.com",
      "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
      "X-MS-TOKEN-AAD-ACCESS-TOKEN": "a.b.c",
      "x-ms-request-id": "kept",
    });
    expect([...out.keys()].filter((name) => name.startsWith("x-ms-"))).toEqual(["x-ms-request-id"]);
  });

  it("drops a caller's X-MS-Invocation-Id (a Functions host adds its own with TryAdd, so the caller's would win)", () => {
    const out = build({
      "X-MS-Invocation-Id": "00000000-0000-4000-8000-000000000001",
      "x-ms-request-id": "kept",
    });
    expect(out.has("x-ms-invocation-id")).toBe(false);
    expect(out.get("x-ms-request-id")).toBe("kept");
  });

  it("replaces Forwarded, X-Forwarded-* and client-address headers with what tollgate saw", () => {
    const out = build({
      forwarded: "for=1.2.3.4;proto=https",
      "x-forwarded-for": "1.2.3.4, 10.0.0.1",
      "x-forwarded-proto": "http",
      "x-forwarded-host": "admin.internal",
      "x-forwarded-prefix": "/admin",
      "x-real-ip": "1.2.3.4",
      "x-client-ip": "1.2.3.4",
      "true-client-ip": "1.2.3.4",
      "x-azure-clientip": "1.2.3.4",
      "x-original-url": "/admin/delete",
      "x-original-host": "admin.internal",
      "x-rewrite-url": "/admin",
      "x-http-method-override": "DELETE",
      "x-arr-clientcert": "MIIB",
      host: "api.contoso.com",
    });
    expect(out.get("x-forwarded-for")).toBe("203.0.113.7");
    expect(out.get("x-forwarded-proto")).toBe("https");
    expect(out.get("x-forwarded-host")).toBe("api.contoso.com");
    for (const name of [
      "forwarded",
      "x-forwarded-prefix",
      "x-real-ip",
      "x-client-ip",
      "true-client-ip",
      "x-azure-clientip",
      "x-original-url",
      "x-original-host",
      "x-rewrite-url",
      "x-http-method-override",
      "x-arr-clientcert",
      "host",
    ]) {
      expect(out.has(name), name).toBe(false);
    }
  });

  it("leaves X-Forwarded-For out when tollgate does not know the client address", () => {
    expect(build({ "x-forwarded-for": "1.2.3.4" }, { clientIp: undefined }).has("x-forwarded-for")).toBe(
      false,
    );
  });

  it("drops Authorization unless asked to forward it", () => {
    expect(build({ authorization: "Bearer a.b.c" }).has("authorization")).toBe(false);
    expect(
      build({ authorization: "Bearer a.b.c" }, { forwardAuthorization: true }).get("authorization"),
    ).toBe("Bearer a.b.c");
  });

  it("drops every header whose name holds '_' (CGI, WSGI, Rack and PHP read it as '-')", () => {
    const out = build({
      x_tollgate_roles: "admin",
      "x-tollgate_object-id": "someone-else",
      x_forwarded_for: "198.51.100.1",
      x_ms_client_principal_id: "someone-else",
      x_app_user: "anyone",
      "x-app-user": "kept",
    });
    expect([...out.keys()].filter((name) => name.includes("_"))).toEqual([]);
    expect(out.get("x-tollgate-roles")).toBe("Orders.Read,Orders.Write");
    expect(out.get("x-app-user")).toBe("kept");
  });

  it("drops the names it is told to strip (the front end's shared secret header)", () => {
    const out = build({ "x-frontend-secret": "s3cret", "x-kept": "1" }, { strip: ["X-Frontend-Secret"] });
    expect(out.has("x-frontend-secret")).toBe(false);
    expect(out.get("x-kept")).toBe("1");
  });

  it("sets the identity headers", () => {
    const out = build({});
    expect(out.get("x-tollgate-tenant-id")).toBe(PRINCIPAL.tenantId);
    expect(out.get("x-tollgate-object-id")).toBe(PRINCIPAL.objectId);
    expect(out.get("x-tollgate-client-app-id")).toBe(PRINCIPAL.clientAppId);
    expect(out.get("x-tollgate-principal-kind")).toBe("user");
    expect(out.get("x-tollgate-roles")).toBe("Orders.Read,Orders.Write");
    expect(out.get("x-tollgate-scopes")).toBe("orders.read profile");
    expect(out.get("x-tollgate-assertion")).toBe(BASE.assertion);
  });

  it("states an empty role list as an empty value", () => {
    const out = build({}, { principal: { ...PRINCIPAL, kind: "app", roles: [], scopes: [] } });
    expect(out.get("x-tollgate-roles")).toBe("");
    expect(out.get("x-tollgate-scopes")).toBe("");
    expect(out.get("x-tollgate-principal-kind")).toBe("app");
  });

  it("escapes commas inside roles and anything unsafe, so values split and decode back exactly", () => {
    const roles = ["a,b", "Orders.Read", "100%", "line\r\nx-injected: 1", "Ünïcode"];
    const out = build({}, { principal: { ...PRINCIPAL, roles, scopes: ["s1", "tab\tscope"] } });
    const header = out.get("x-tollgate-roles") ?? "";
    expect(header).toMatch(/^[\x21-\x7e]*$/);
    expect(header.split(",").map(decodeURIComponent)).toEqual(roles);
    const scopes = out.get("x-tollgate-scopes") ?? "";
    expect(scopes.split(" ").map(decodeURIComponent)).toEqual(["s1", "tab\tscope"]);
  });

  it("keeps every Set-Cookie-like repeated value", () => {
    const incoming = new Headers();
    incoming.append("x-multi", "1");
    incoming.append("x-multi", "2");
    expect(buildUpstreamHeaders(incoming, BASE).get("x-multi")).toBe("1, 2");
  });
});

describe("responseHeaderPairs", () => {
  it("drops hop-by-hop and Connection-named headers and keeps the rest", () => {
    const pairs = responseHeaderPairs({
      connection: "keep-alive, x-hop",
      "keep-alive": "timeout=5",
      "transfer-encoding": "chunked",
      "x-hop": "1",
      "content-type": "application/json",
      "content-length": "42",
      "cache-control": "no-store",
      "set-cookie": ["a=1", "b=2"],
      "x-absent": undefined,
    });
    const clean = new Headers(pairs);
    expect(new Set(clean.keys())).toEqual(
      new Set(["cache-control", "content-length", "content-type", "set-cookie"]),
    );
    expect(clean.getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  it("reads a Connection header the client handed over as several values", () => {
    const pairs = responseHeaderPairs({ connection: ["close", "X-Hop"], "x-hop": "1", "x-kept": "2" });
    expect(pairs).toEqual([["x-kept", "2"]]);
  });
});

describe("identity headers, escaped once per verified token", () => {
  it("are each principal's own, however often and in whatever order principals come back", () => {
    const other: IdentityClaims = {
      ...PRINCIPAL,
      objectId: "00000000-0000-4000-8000-0000000000b2",
      roles: ["A,B"],
    };
    const rolesOf = (principal: IdentityClaims) => build({}, { principal }).get("x-tollgate-roles");
    const objectOf = (principal: IdentityClaims) => build({}, { principal }).get("x-tollgate-object-id");
    expect([rolesOf(PRINCIPAL), rolesOf(other), rolesOf(PRINCIPAL), rolesOf(other)]).toEqual([
      "Orders.Read,Orders.Write",
      "A%2CB",
      "Orders.Read,Orders.Write",
      "A%2CB",
    ]);
    expect([objectOf(other), objectOf(PRINCIPAL)]).toEqual([other.objectId, PRINCIPAL.objectId]);
    // A caller's spoofed identity header never survives the memo either.
    expect(build({ "x-tollgate-roles": "admin" }).get("x-tollgate-roles")).toBe("Orders.Read,Orders.Write");
  });
});
