// What an operation's OpenAPI `security` becomes as a tollgate requirement: alternatives as
// anyOf, a scheme's scopes all required, the root default, `security: []`, the roles extension.

import { describe, expect, it } from "vitest";
import { importPolicy, tollgatePattern } from "../../../shared/openapi/import-policy.js";
import { listOperations } from "../../../shared/openapi/operations.js";

const SCHEMES = {
  components: {
    securitySchemes: {
      entra: { type: "oauth2", flows: {} },
      oidc: { type: "openIdConnect", openIdConnectUrl: "https://x" },
      key: { type: "apiKey", in: "header", name: "k" },
    },
  },
};
const ok = { responses: { 200: { description: "ok" } } };

function one(operation: object, root: object = {}) {
  const [only] = listOperations({
    openapi: "3.0.3",
    ...SCHEMES,
    ...root,
    paths: { "/x": { get: { ...ok, ...operation } } },
  });
  return only;
}

describe("listOperations", () => {
  it("each alternative is a way in; the scopes one alternative lists are all needed", () => {
    expect(one({ security: [{ entra: ["a", "b"] }, { oidc: ["c"] }] })?.require).toEqual({
      anyOf: [{ scopes: { allOf: ["a", "b"] } }, { scopes: { allOf: ["c"] } }],
    });
  });

  it("the document's root security applies where an operation names none", () => {
    expect(one({}, { security: [{ entra: ["read"] }] })?.require).toEqual({ scopes: { allOf: ["read"] } });
  });

  it("an alternative with a non-OAuth scheme is left out and said so", () => {
    const operation = one({ security: [{ key: [] }, { entra: ["read"] }] });
    expect(operation?.require).toEqual({ scopes: { allOf: ["read"] } });
    expect(operation?.dropped).toEqual(["key (apiKey)"]);
  });

  it("no security, only API keys, or `security: []` each need a decision, never an open rule", () => {
    expect(one({})?.decision).toBe("declares no security");
    expect(one({ security: [{ key: [] }] })?.decision).toMatch(
      /^declares only security tollgate cannot check/,
    );
    expect(one({ security: [] }, { security: [{ entra: ["read"] }] })?.decision).toMatch(
      /^declares `security: \[\]`/,
    );
    expect(one({ security: [{}] })?.decision).toMatch(/^declares `security: \[\]`/);
  });

  it("an OAuth2 alternative listing no scopes takes any token", () => {
    const operation = one({ security: [{ entra: [] }] });
    expect(operation?.require).toBeUndefined();
    expect(operation?.decision).toBeUndefined();
  });

  it("x-tollgate-roles adds app roles as another way in", () => {
    expect(one({ security: [{ entra: ["read"] }], "x-tollgate-roles": ["reader"] })?.require).toEqual({
      anyOf: [{ scopes: { allOf: ["read"] } }, { roles: { anyOf: ["reader"] } }],
    });
  });

  it("--resource strips the Application ID URI from scope names, as Entra's scp has them", () => {
    const [operation] = listOperations(
      {
        openapi: "3.0.3",
        ...SCHEMES,
        paths: { "/x": { get: { ...ok, security: [{ entra: ["api://orders/Read", "other"] }] } } },
      },
      { resource: "api://orders/" },
    );
    expect(operation?.require).toEqual({ scopes: { allOf: ["Read", "other"] } });
  });
});

describe("importPolicy", () => {
  it("templates become parameters; a template inside a segment becomes '*' with a note", () => {
    expect(tollgatePattern("/files/{file-id}/raw")).toEqual({
      pattern: "/files/{file_id}/raw",
      partial: false,
    });
    expect(tollgatePattern("/files/{name}.json")).toEqual({ pattern: "/files/*", partial: true });
    const result = importPolicy(
      listOperations({
        openapi: "3.0.3",
        ...SCHEMES,
        paths: { "/files/{name}.json": { get: { ...ok, security: [{ entra: [] }] } } },
      }),
      { backend: "files", backendUrl: "https://files.example" },
    );
    expect(result.notes).toEqual([
      "GET /files/{name}.json: a template inside a segment became '*' (any one segment) in /files/*",
    ]);
    expect(result.document.rules).toEqual([
      { id: "get-files-name-json", methods: ["GET"], path: "/files/*", backend: "files" },
    ]);
  });

  it("rule ids stay unique and within the 63 characters a rule id allows", () => {
    const long = "x".repeat(80);
    const result = importPolicy(
      listOperations({
        openapi: "3.0.3",
        ...SCHEMES,
        paths: {
          "/a": { get: { ...ok, operationId: long, security: [{ entra: [] }] } },
          "/b": { get: { ...ok, operationId: long, security: [{ entra: [] }] } },
        },
      }),
      { backend: "b", backendUrl: "https://b.example" },
    );
    const ids = result.document.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => id.length <= 63)).toBe(true);
  });
});
