import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../shared/policy/canonical-json.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import type { PolicyDocument } from "../../../shared/policy/policy-schema.js";

const EXAMPLE = `
version: 1
backends:
  orders: { url: "http://127.0.0.1:7071" }
rateLimits:
  per-app: { requests: 100, window: 1m, key: [tenant, clientApp] }
rules:
  - id: orders-read
    methods: [GET, HEAD]
    path: /orders/**
    host: API.contoso.com
    require:
      anyOf:
        - roles: { anyOf: [reader, admin] }
        - scopes: { anyOf: [Orders.Read] }
    backend: orders
    rateLimit: per-app
  - id: orders-write
    methods: [POST]
    path: /orders/{id}/items/*
    require:
      allOf:
        - tenants: [72F988BF-86F1-41AF-91AB-2D7CD011DB47]
        - kind: user
        - groups: { allOf: [ops] }
    forwardAuthorization: true
defaultRule: deny
`;

/** A valid one-rule document with `rule` merged into the rule. */
function withRule(rule: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    rules: [{ id: "r", methods: ["GET"], path: "/x", ...rule }],
    ...extra,
  });
}

function errorsOf(text: string, format?: "json" | "yaml"): string[] {
  const result = parsePolicy(text, format);
  if (result.ok) throw new Error("expected the policy to be refused");
  return result.errors;
}

describe("parsePolicy: a valid document", () => {
  it("parses YAML into typed rules with defaults filled in", () => {
    const result = parsePolicy(EXAMPLE);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const [read, write] = result.policy.rules;
    expect(read).toMatchObject({
      id: "orders-read",
      methods: ["GET", "HEAD"],
      host: "api.contoso.com",
      backend: "orders",
      rateLimit: "per-app",
      reportOnly: false,
      forwardAuthorization: false,
    });
    expect(read?.path.source).toBe("/orders/**");
    expect(write?.require).toEqual({
      allOf: [
        { tenants: ["72f988bf-86f1-41af-91ab-2d7cd011db47"] },
        { kind: "user" },
        { groups: { allOf: ["ops"] } },
      ],
    });
    expect(write?.forwardAuthorization).toBe(true);
    expect(result.policy.defaultRule).toBe("deny");
    expect(result.policy.backends.orders?.url).toBe("http://127.0.0.1:7071");
    expect(result.warnings).toEqual([]);
  });

  it("parses the same document as JSON, and both have one canonical JSON spelling", () => {
    const yaml = parsePolicy(EXAMPLE);
    if (!yaml.ok) throw new Error("yaml");
    const json = parsePolicy(JSON.stringify(yaml.document, null, 4), "json");
    if (!json.ok) throw new Error(json.errors.join("\n"));
    expect(json.policy).toEqual(yaml.policy);
    // Key order in the source does not matter.
    const reversed = Object.fromEntries(Object.entries(yaml.document).reverse());
    expect(canonicalJson(reversed)).toBe(canonicalJson(json.document));
    expect(canonicalJson(json.document).startsWith('{"version":1,"backends"')).toBe(true);
  });

  it("takes methods '*', an empty rule list, a default rule object and rateLimits objects", () => {
    const result = parsePolicy(
      JSON.stringify({
        version: 1,
        rateLimits: { "per-app": { requests: 100, window: "1m" } },
        rules: [],
        defaultRule: { require: { kind: "app" }, rateLimit: "per-app" },
      }),
    );
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.policy.defaultRule).toEqual({
      id: "default",
      require: { kind: "app" },
      rateLimit: "per-app",
      reportOnly: false,
      forwardAuthorization: false,
    });
    const star = parsePolicy(withRule({ methods: ["*"] }));
    expect(star.ok && star.policy.rules[0]?.methods).toBe("*");
  });

  it("lets PolicyDocument type a document written in code", () => {
    const doc: PolicyDocument = { version: 1, rules: [{ id: "a", methods: ["GET"], path: "/a" }] };
    expect(parsePolicy(JSON.stringify(doc)).ok).toBe(true);
  });
});

describe("parsePolicy: every error names the field it is in", () => {
  it.each([
    [
      "a misspelt key inside a name set",
      withRule({ require: { anyOf: [{ roles: { anyof: ["reader"] } }] } }),
      ["rules[0].require.anyOf[0].roles: unknown key 'anyof' (did you mean 'anyOf'?)"],
    ],
    [
      "'role' for 'roles'",
      withRule({ require: { role: { anyOf: ["reader"] } } }),
      ["rules[0].require: unknown key 'role' (did you mean 'roles'?)"],
    ],
    [
      "'requires' on a rule",
      withRule({ requires: { roles: { anyOf: ["reader"] } } }),
      ["rules[0]: unknown key 'requires' (did you mean 'require'?)"],
    ],
    [
      "an unknown top-level key",
      JSON.stringify({ version: 1, rules: [], limits: {} }),
      [
        "(document): unknown key 'limits' (expected one of: version, backends, rateLimits, resources, rules, defaultRule, cors)",
      ],
    ],
    ["a missing version", JSON.stringify({ rules: [] }), ["version: must be 1"]],
    ["missing rules", JSON.stringify({ version: 1 }), ["rules: is required"]],
    [
      "a bad rule id",
      withRule({ id: "Orders_Read" }),
      ["rules[0].id: must be 1 to 63 lower-case letters, digits and '-', starting with a letter or digit"],
    ],
    [
      "two rules with one id",
      JSON.stringify({
        version: 1,
        rules: [
          { id: "a", methods: ["GET"], path: "/a" },
          { id: "a", methods: ["GET"], path: "/b" },
        ],
      }),
      ["rules[1].id: 'a' is already the id of rules[0]"],
    ],
    [
      "a backend that is not defined",
      withRule({ backend: "ordres" }, { backends: { orders: { url: "http://127.0.0.1:1" } } }),
      ["rules[0].backend: 'ordres' is not a backend under 'backends' (defined: orders)"],
    ],
    [
      "a backend URL that is not http(s)",
      withRule({}, { backends: { orders: { url: "ftp://files.contoso.com" } } }),
      ["backends.orders.url: 'ftp://files.contoso.com' must be an http or https URL"],
    ],
    [
      "a backend URL with credentials",
      withRule({}, { backends: { orders: { url: "https://u:p@orders.contoso.com" } } }),
      ["backends.orders.url: must not carry credentials (the policy is not a secret store)"],
    ],
    [
      "a lower-case method",
      withRule({ methods: ["GET", "post"] }),
      ["rules[0].methods[1]: 'post' must be upper-case ('POST'): HTTP methods are case-sensitive"],
    ],
    [
      "'*' with other methods",
      withRule({ methods: ["*", "GET"] }),
      ["rules[0].methods: '*' means every method; list nothing else with it"],
    ],
    ["no methods", withRule({ methods: [] }), ["rules[0].methods: must list at least one entry"]],
    [
      "a backend URL with a ?code= key (never echoed)",
      withRule({}, { backends: { orders: { url: "https://orders.azurewebsites.net/api?code=k3yk3y" } } }),
      [
        "backends.orders.url: 'https://orders.azurewebsites.net/api?code=***' must not have a query or fragment",
      ],
    ],
    [
      "a CORS origin with a path",
      withRule({}, { cors: { origins: ["https://app.contoso.com/app"] } }),
      [
        "cors.origins[0]: 'https://app.contoso.com/app' is not an origin: scheme, host and optional port, no path or wildcard (example: https://app.contoso.com)",
      ],
    ],
    [
      "HEAD without GET (HEAD is decided as GET)",
      withRule({ methods: ["HEAD"] }),
      [
        "rules[0].methods: 'HEAD' is authorised exactly as 'GET' (backends run the GET handler for it); list 'GET'",
      ],
    ],
    [
      "'**' before the last segment",
      withRule({ path: "/orders/**/items" }),
      ["rules[0].path: '/orders/**/items': '**' is allowed only as the last segment"],
    ],
    ["a relative path", withRule({ path: "orders" }), ["rules[0].path: 'orders' must start with '/'"]],
    [
      "an empty segment",
      withRule({ path: "/orders//items" }),
      ["rules[0].path: '/orders//items' has an empty segment ('//')"],
    ],
    [
      "a partial wildcard",
      withRule({ path: "/files/*.json" }),
      [
        "rules[0].path: '/files/*.json': segment '*.json' mixes text with a wildcard; use a whole segment: '*', '{name}' or '**'",
      ],
    ],
    [
      "a parameter named twice",
      withRule({ path: "/a/{id}/b/{id}" }),
      ["rules[0].path: '/a/{id}/b/{id}' names the parameter '{id}' twice"],
    ],
    [
      "a dot segment",
      withRule({ path: "/a/../b" }),
      ["rules[0].path: '/a/../b': '.' and '..' segments can never match a request"],
    ],
    [
      "an encoded separator",
      withRule({ path: "/a%2Fb" }),
      ["rules[0].path: '/a%2Fb': encoded '/', '\\' or '.' can never match (such request paths are refused)"],
    ],
    [
      "an empty anyOf",
      withRule({ require: { anyOf: [] } }),
      ["rules[0].require.anyOf: must list at least one entry"],
    ],
    [
      "an empty roles list",
      withRule({ require: { roles: { allOf: [] } } }),
      ["rules[0].require.roles.allOf: must list at least one entry"],
    ],
    [
      "a name set with neither list",
      withRule({ require: { scopes: {} } }),
      ["rules[0].require.scopes: needs 'anyOf' or 'allOf' (or both)"],
    ],
    [
      "an empty requirement",
      withRule({ require: { allOf: [{}] } }),
      [
        "rules[0].require.allOf[0]: is empty: a requirement has exactly one of allOf, anyOf, roles, scopes, groups, tenants, clientApps, kind, claims, objectIds, authContext",
      ],
    ],
    [
      "a requirement with two keys",
      withRule({ require: { roles: { anyOf: ["a"] }, kind: "user" } }),
      [
        "rules[0].require: has roles and kind: a requirement has exactly one key; put them under 'allOf' or 'anyOf'",
      ],
    ],
    [
      "a tenant that is not a GUID",
      withRule({ require: { tenants: ["contoso.onmicrosoft.com"] } }),
      ["rules[0].require.tenants[0]: must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47"],
    ],
    [
      "a bad kind",
      withRule({ require: { kind: "users" } }),
      ["rules[0].require.kind: must be 'user' or 'app'"],
    ],
    [
      "a scope with a space",
      withRule({ require: { scopes: { anyOf: ["Orders Read"] } } }),
      [
        "rules[0].require.scopes.anyOf[0]: must be a name without spaces, quotes or backslashes (as it appears in the token)",
      ],
    ],
    [
      "reportOnly as a string",
      withRule({ reportOnly: "yes" }),
      ["rules[0].reportOnly: must be true or false"],
    ],
    [
      "a host with a scheme",
      withRule({ host: "https://api.contoso.com" }),
      ["rules[0].host: must be a host name, optionally with ':port' (no scheme, path or wildcard)"],
    ],
    [
      "a default rule with a path",
      JSON.stringify({ version: 1, rules: [], defaultRule: { path: "/x" } }),
      ["defaultRule: the default rule applies when no rule matches, so it has no 'path' or 'methods'"],
    ],
    [
      "a default rule 'allow'",
      JSON.stringify({ version: 1, rules: [], defaultRule: "allow" }),
      ["defaultRule: must be 'deny' or a rule without 'path' and 'methods'"],
    ],
    [
      "a default rule with a bad field",
      JSON.stringify({ version: 1, rules: [], defaultRule: { reportOnly: 1 } }),
      ["defaultRule.reportOnly: must be true or false"],
    ],
    [
      "a rate limit that is not an object",
      JSON.stringify({ version: 1, rules: [], rateLimits: { "per-app": 100 } }),
      ['rateLimits["per-app"]: expected object, got number'],
    ],
  ])("%s", (_what, text, expected) => {
    expect(errorsOf(text)).toEqual(expected);
  });

  it("reports every error at once, not the first", () => {
    const errors = errorsOf(`
version: 1
rules:
  - id: a
    methods: [get]
    path: /a/**/b
    require: { role: { anyOf: [x] } }
    backend: nowhere
  - id: a
    methods: [GET]
    path: /b
`);
    expect(errors).toEqual([
      "rules[0].methods[0]: 'get' must be upper-case ('GET'): HTTP methods are case-sensitive",
      "rules[0].path: '/a/**/b': '**' is allowed only as the last segment",
      "rules[0].require: unknown key 'role' (did you mean 'roles'?)",
      "rules[0].backend: 'nowhere' is not a backend under 'backends' (no backends are defined)",
      "rules[1].id: 'a' is already the id of rules[0]",
    ]);
  });

  it("refuses YAML that is not a mapping, is empty or does not parse, with the line", () => {
    expect(errorsOf("- a\n- b\n")).toEqual(["(document): must be a mapping with 'version' and 'rules'"]);
    expect(errorsOf("")).toEqual(["(document): is empty"]);
    expect(errorsOf("version: 1\nrules: [\n")[0]).toMatch(/^\(document\): YAML .* at line 3, column 1$/);
  });

  it("refuses duplicate keys in YAML and in JSON (JSON.parse would keep the last silently)", () => {
    expect(errorsOf("version: 1\nrules: []\nrules: []\n")).toEqual([
      "(document): YAML duplicate key at line 3, column 1",
    ]);
    expect(errorsOf('{"version": 1, "rules": [], "rules": []}')).toEqual([
      "(document): duplicate key 'rules' at line 1, column 29",
    ]);
  });

  it("reads YAML 1.2: 'yes' is a string, not true", () => {
    expect(errorsOf("version: 1\nrules:\n  - {id: a, methods: [GET], path: /a, reportOnly: yes}\n")).toEqual([
      "rules[0].reportOnly: must be true or false",
    ]);
  });

  it("refuses invalid JSON and oversized documents", () => {
    expect(errorsOf("{ not json", "json")[0]).toMatch(/^\(document\): is not valid JSON: /);
    expect(errorsOf(`version: 1\nrules: []\n#${"x".repeat(1_000_000)}`)).toEqual([
      "(document): is larger than 1000000 characters",
    ]);
  });
});

describe("policyWarnings (in parsePolicy's result)", () => {
  function warningsOf(text: string): string[] {
    const result = parsePolicy(text);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    return result.warnings;
  }

  it("warns about paths under /admin and /runtime, which the Functions host keeps", () => {
    const warnings = warningsOf(
      JSON.stringify({
        version: 1,
        rules: [
          { id: "a", methods: ["GET"], path: "/admin/**" },
          { id: "b", methods: ["GET"], path: "/Runtime/webhooks" },
          { id: "c", methods: ["GET"], path: "/administration" },
        ],
      }),
    );
    expect(warnings).toEqual([
      "rules[0] (a): path '/admin/**' is under /admin, which the Azure Functions host keeps for itself (even with an empty route prefix); such requests never reach tollgate",
      "rules[1] (b): path '/Runtime/webhooks' is under /runtime, which the Azure Functions host keeps for itself (even with an empty route prefix); such requests never reach tollgate",
    ]);
  });

  it("warns about a rule an earlier rule always wins over", () => {
    const warnings = warningsOf(
      JSON.stringify({
        version: 1,
        rules: [
          { id: "orders", methods: ["GET", "POST"], path: "/orders/**" },
          { id: "one-order", methods: ["GET"], path: "/orders/{id}" },
          { id: "deletes", methods: ["DELETE"], path: "/orders/{id}" },
          { id: "by-host", methods: ["*"], path: "/**", host: "a.contoso.com" },
          { id: "other-host", methods: ["GET"], path: "/x", host: "b.contoso.com" },
          { id: "same-host", methods: ["GET"], path: "/x", host: "a.contoso.com" },
        ],
      }),
    );
    expect(warnings).toEqual([
      "rules[1] (one-order) can never match: rules[0] (orders) comes first and matches every request it would",
      "rules[5] (same-host) can never match: rules[3] (by-host) comes first and matches every request it would",
    ]);
  });

  it("warns about report-only rules, an open default rule, plain http to another host", () => {
    const warnings = warningsOf(
      JSON.stringify({
        version: 1,
        backends: { far: { url: "http://orders.contoso.com" }, near: { url: "http://127.0.0.1:7071" } },
        rateLimits: { "per-app": { requests: 10, window: "1m" } },
        rules: [{ id: "a", methods: ["GET"], path: "/a", reportOnly: true, rateLimit: "per-app" }],
        defaultRule: {},
      }),
    );
    expect(warnings).toEqual([
      "rules[0] (a) is report-only: a caller it would refuse is let through and only recorded",
      "defaultRule is not 'deny': requests no rule matches are sent on when the caller meets it",
      "backends.far: 'http://orders.contoso.com' is plain http to another host; the identity headers travel unencrypted",
    ]);
  });
});
