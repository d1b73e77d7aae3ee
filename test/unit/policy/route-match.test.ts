import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import type { Policy } from "../../../shared/policy/policy-schema.js";
import { matchRule, type RouteMatch } from "../../../shared/policy/route-match.js";

function policyOf(rules: Record<string, unknown>[]): Policy {
  const result = parsePolicy(JSON.stringify({ version: 1, rules }));
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.policy;
}

const policy = policyOf([
  { id: "health", methods: ["GET"], path: "/health" },
  { id: "root", methods: ["GET"], path: "/" },
  { id: "order-items", methods: ["GET"], path: "/orders/{orderId}/items/{itemId}" },
  { id: "order-any-child", methods: ["GET"], path: "/orders/{orderId}/*" },
  { id: "orders-write", methods: ["POST", "PUT"], path: "/orders/**" },
  { id: "orders-read", methods: ["GET", "HEAD"], path: "/orders/**" },
  { id: "tenant-host", methods: ["*"], path: "/reports/**", host: "reports.contoso.com" },
  { id: "port-host", methods: ["*"], path: "/reports/**", host: "api.contoso.com:8443" },
  { id: "manage", methods: ["*"], path: "/manage/**" },
  { id: "trailing", methods: ["GET"], path: "/docs/" },
]);

function ruleId(method: string, path: string, host?: string): string | undefined {
  const match = matchRule(policy, { method, path, host });
  if (match && "invalidPath" in match) return "invalid";
  return match?.rule.id;
}

describe("matchRule", () => {
  it.each([
    ["GET", "/health", "health"],
    // "/health" names another rule: Express and ASP.NET Core would route this as "/health".
    ["GET", "/health/", "invalid"],
    ["GET", "/healthz", undefined],
    ["GET", "/", "root"],
    ["GET", "/orders/42/items/7", "order-items"],
    ["GET", "/orders/42/notes", "order-any-child"],
    ["GET", "/orders/42", "orders-read"],
    ["GET", "/orders", "orders-read"],
    ["GET", "/orders/", "orders-read"],
    ["GET", "/orders/42/items/7/history", "orders-read"],
    // HEAD is decided as GET, so the GET rules before orders-read apply to it too.
    ["HEAD", "/orders/42/items/7", "order-items"],
    ["HEAD", "/health", "health"],
    ["POST", "/orders/42/items/7", "orders-write"],
    ["DELETE", "/orders/42", undefined],
    ["GET", "/ordersx", undefined],
    ["GET", "/docs/", "trailing"],
    ["GET", "/docs", "invalid"],
    ["PATCH", "/manage/users/1", "manage"],
  ])("%s %s → %s", (method, path, expected) => {
    expect(ruleId(method, path)).toBe(expected);
  });

  it("returns path parameters, percent-encoding kept", () => {
    const match = matchRule(policy, { method: "GET", path: "/orders/a%20b/items/7" });
    expect(match).toMatchObject({ rule: { id: "order-items" }, params: { orderId: "a%20b", itemId: "7" } });
  });

  it("takes the first matching rule, in order", () => {
    const first = policyOf([
      { id: "specific", methods: ["GET"], path: "/a/b" },
      { id: "general", methods: ["GET"], path: "/a/**" },
    ]);
    expect(matchRule(first, { method: "GET", path: "/a/b" })).toMatchObject({
      rule: { id: "specific" },
      index: 0,
    });
    const reversed = policyOf([
      { id: "general", methods: ["GET"], path: "/a/**" },
      { id: "specific", methods: ["GET"], path: "/a/b" },
    ]);
    expect(matchRule(reversed, { method: "GET", path: "/a/b" })).toMatchObject({ rule: { id: "general" } });
  });

  it("compares methods exactly: HTTP methods are case-sensitive", () => {
    expect(ruleId("get", "/health")).toBeUndefined();
  });

  it("matches the host ignoring case, port and a trailing dot; a rule naming a port needs it", () => {
    expect(ruleId("GET", "/reports/1", "reports.contoso.com")).toBe("tenant-host");
    expect(ruleId("GET", "/reports/1", "REPORTS.contoso.com:443")).toBe("tenant-host");
    expect(ruleId("GET", "/reports/1", "reports.contoso.com.")).toBe("tenant-host");
    expect(ruleId("GET", "/reports/1", "api.contoso.com:8443")).toBe("port-host");
    expect(ruleId("GET", "/reports/1", "api.contoso.com")).toBeUndefined();
    expect(ruleId("GET", "/reports/1", "other.contoso.com")).toBeUndefined();
    expect(ruleId("GET", "/reports/1")).toBeUndefined();
  });

  it.each([
    "/manage/../orders",
    "/manage/./orders",
    "/manage/..",
    "/manage/..;x/orders",
    "/%2e%2e/manage",
    "/manage/%2E%2E/orders",
    "/manage/%2e/orders",
    "/orders%2F..%2Fmanage",
    "/orders%2fx",
    "/orders%5C..%5Cmanage",
    "/orders/%252e%252e/manage",
    "/orders/%252F",
    "//manage",
    "/manage//users",
    "/manage\\users",
    "/manage/%00",
    "/manage/%zz",
    "/manage/ü",
    "/manage/a b",
    "/%6danage/users",
    "/orders/%31",
    "/orders/%7e",
    "/orders/%256d",
    "/;x/manage",
    "/orders?x=1",
    "manage",
    "",
  ])("never matches %j", (path) => {
    const match = matchRule(policy, { method: "GET", path }) as RouteMatch;
    expect(match).toMatchObject({ invalidPath: true });
    expect("invalidPath" in match && match.problem).toMatch(/^the path /);
  });

  it("refuses a path whose rule would change if letter case were ignored", () => {
    const cased = policyOf([
      { id: "admin-area", methods: ["*"], path: "/manage/**" },
      { id: "everything", methods: ["*"], path: "/**" },
    ]);
    // Under a case-blind backend '/MANAGE/x' is '/manage/x': it must not fall to 'everything'.
    expect(matchRule(cased, { method: "GET", path: "/MANAGE/users" })).toMatchObject({ invalidPath: true });
    expect(matchRule(cased, { method: "GET", path: "/manage/users" })).toMatchObject({
      rule: { id: "admin-area" },
    });
    // Case in parameters and in paths no rule names literally is fine.
    expect(matchRule(cased, { method: "GET", path: "/Other/Thing" })).toMatchObject({
      rule: { id: "everything" },
    });
    // With only one rule in play, case that reaches no rule exactly is refused too.
    const only = policyOf([{ id: "public", methods: ["GET"], path: "/public/**" }]);
    expect(matchRule(only, { method: "GET", path: "/PUBLIC/x" })).toMatchObject({ invalidPath: true });
    expect(matchRule(only, { method: "GET", path: "/private/x" })).toBeUndefined();
  });

  it("refuses a path whose rule would change with its trailing slash added or removed", () => {
    const slashed = policyOf([
      {
        id: "roles-admin",
        methods: ["PUT"],
        path: "/users/{id}/roles",
        require: { roles: { anyOf: ["admin"] } },
      },
      { id: "users", methods: ["*"], path: "/users/**", require: { roles: { anyOf: ["reader"] } } },
      { id: "docs", methods: ["GET"], path: "/docs/" },
    ]);
    const id = (method: string, path: string) => {
      const match = matchRule(slashed, { method, path });
      return match && "invalidPath" in match ? "invalid" : match?.rule.id;
    };
    // Express reads "/users/42/roles/" as "/users/42/roles": it must not fall to 'users'.
    expect(id("PUT", "/users/42/roles/")).toBe("invalid");
    expect(id("PUT", "/users/42/Roles/")).toBe("invalid");
    expect(id("PUT", "/users/42/roles;x/")).toBe("invalid");
    expect(id("PUT", "/users/42/roles")).toBe("roles-admin");
    // Readings that the same rule decides pass.
    expect(id("GET", "/users/42/roles/")).toBe("users");
    expect(id("PUT", "/users/42/")).toBe("users");
    // A route named only with its slash keeps working; the other spelling is refused.
    expect(id("GET", "/docs/")).toBe("docs");
    expect(id("GET", "/docs")).toBe("invalid");
    expect(id("GET", "/")).toBeUndefined();
    // Under a default rule that is not "deny", a reading no rule matches is the default's.
    const withDefault = parsePolicy(
      JSON.stringify({
        version: 1,
        rules: [{ id: "docs", methods: ["GET"], path: "/docs/" }],
        defaultRule: {},
      }),
    );
    if (!withDefault.ok) throw new Error(withDefault.errors.join("\n"));
    expect(matchRule(withDefault.policy, { method: "GET", path: "/docs/" })).toMatchObject({
      invalidPath: true,
    });
  });

  it("decides HEAD exactly as GET, so a rule refusing GET refuses HEAD", () => {
    const reports = policyOf([
      { id: "q3", methods: ["GET"], path: "/reports/q3", require: { roles: { anyOf: ["admin"] } } },
      { id: "open", methods: ["*"], path: "/reports/**" },
    ]);
    expect(matchRule(reports, { method: "HEAD", path: "/reports/q3" })).toMatchObject({ rule: { id: "q3" } });
    expect(matchRule(reports, { method: "HEAD", path: "/reports/q4" })).toMatchObject({
      rule: { id: "open" },
    });
  });

  it("refuses ';' parameters whose removal (as Tomcat and Spring route) would change the rule", () => {
    const params = policyOf([
      { id: "admin-area", methods: ["*"], path: "/manage/**" },
      { id: "health", methods: ["GET"], path: "/*/health" },
      { id: "orders", methods: ["GET"], path: "/orders/**" },
    ]);
    expect(matchRule(params, { method: "GET", path: "/manage;x=1/health" })).toMatchObject({
      invalidPath: true,
    });
    expect(matchRule(params, { method: "GET", path: "/MANAGE;x/health" })).toMatchObject({
      invalidPath: true,
    });
    // A parameter that leaves the rule as it was is the backend's business.
    expect(matchRule(params, { method: "GET", path: "/orders/1;v=2" })).toMatchObject({
      rule: { id: "orders" },
    });
    expect(matchRule(params, { method: "GET", path: "/status;v=2/health" })).toMatchObject({
      rule: { id: "health" },
    });
  });
});
