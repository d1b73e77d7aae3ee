// TOLLGATE_EASY_AUTH_HEADERS through the local host to a real backend: the X-MS-CLIENT-PRINCIPAL
// headers App Service Authentication would set, built from the verified token, beside the signed
// assertion; a caller's own copies never reach the backend, with the setting on or off.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../support/attack-stack.js";
import type { LocalHost } from "../../support/local-host.js";

let stack: Stack;
let withEasyAuth: LocalHost;
let without: LocalHost;

beforeAll(async () => {
  stack = await startStack();
  await stack.push({ version: 1, rules: [{ id: "all", methods: ["*"], path: "/**" }] });
  [withEasyAuth, without] = await Promise.all([
    stack.startHost({ TOLLGATE_EASY_AUTH_HEADERS: "true" }),
    stack.startHost(),
  ]);
}, 120_000);

afterAll(() => stack?.stop(), 60_000);

async function backendSees(host: LocalHost, token: string, headers: Record<string, string> = {}) {
  const before = stack.backend.requests.length;
  const response = await fetch(`${host.url}/orders/1`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return stack.backend.requests[before]?.headers ?? {};
}

describe("Easy Auth-compatible identity headers", () => {
  it("carry the caller as Easy Auth shapes it: principal JSON, id, name, idp, and the assertion too", async () => {
    const oid = "6f1c2b6e-6c2f-4c8e-9d7a-2b1f0e3d4c5a";
    const token = await stack.issuer.mint({
      oid,
      roles: ["reader", "admin"],
      claims: { preferred_username: "ada@contoso.com" },
    });
    const headers = await backendSees(withEasyAuth, token);
    expect(headers["x-ms-client-principal-id"]).toBe(oid);
    expect(headers["x-ms-client-principal-name"]).toBe("ada@contoso.com");
    expect(headers["x-ms-client-principal-idp"]).toBe("aad");
    expect(headers["x-tollgate-assertion"]).toMatch(/^ey/);
    const principal = JSON.parse(
      Buffer.from(headers["x-ms-client-principal"] ?? "", "base64").toString("utf8"),
    );
    expect(principal).toMatchObject({ auth_typ: "aad", name_typ: "name", role_typ: "roles" });
    const claims = principal.claims as { typ: string; val: string }[];
    expect(claims.filter((c) => c.typ === "roles").map((c) => c.val)).toEqual(["reader", "admin"]);
    expect(claims).toContainEqual({ typ: "oid", val: oid });
  });

  it("never pass a caller's own X-MS-CLIENT-PRINCIPAL headers, with the setting on or off", async () => {
    const token = await stack.issuer.mint({ roles: ["reader"] });
    const forged = Buffer.from(
      JSON.stringify({ auth_typ: "aad", claims: [{ typ: "roles", val: "admin" }] }),
    ).toString("base64");
    const spoof = {
      "x-ms-client-principal": forged,
      "x-ms-client-principal-id": "forged",
      "x-ms-client-principal-name": "forged",
    };
    const on = await backendSees(withEasyAuth, token, spoof);
    expect(on["x-ms-client-principal"]).not.toBe(forged);
    expect(on["x-ms-client-principal-id"]).not.toBe("forged");
    const off = await backendSees(without, token, spoof);
    expect(Object.keys(off).filter((name) => name.startsWith("x-ms-client-principal"))).toEqual([]);
  });
});
