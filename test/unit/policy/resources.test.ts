import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import { metadataPath, requestableScopes } from "../../../shared/policy/resources.js";

const API = "6e1b2c3d-0000-4000-8000-000000000001";
const AS = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";

function policy(resource: object, rules: object[] = []) {
  return JSON.stringify({
    version: 1,
    resources: { "orders-mcp": { audiences: [API], authorizationServers: [AS], ...resource } },
    rules,
  });
}
const errorsOf = (text: string) => {
  const result = parsePolicy(text);
  return result.ok ? [] : result.errors;
};
const warningsOf = (text: string) => {
  const result = parsePolicy(text);
  if (!result.ok) throw new Error(result.errors.join("; "));
  return result.warnings;
};

describe("resources in the policy", () => {
  it("parse, and rules may name them", () => {
    const result = parsePolicy(
      policy(
        { url: "https://mcp.contoso.com/orders", scopes: ["mcp.tools"], timeouts: { totalMs: 3_600_000 } },
        [{ id: "mcp", methods: ["POST"], path: "/orders", resource: "orders-mcp", mcp: { tools: ["*"] } }],
      ),
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.policy.resources["orders-mcp"]).toMatchObject({
        url: "https://mcp.contoso.com/orders",
        roles: [],
      });
      expect(result.warnings).toEqual([]);
    }
  });

  it.each([
    ["a trailing slash", "https://mcp.contoso.com/orders/", "ends with '/'"],
    ["plain http to another host", "http://mcp.contoso.com/orders", "must be an https URL"],
    ["a query", "https://mcp.contoso.com/orders?x=1", "must not have a query"],
    ["not a URL", "mcp.contoso.com", "is not a URL"],
  ])("refuse a URL with %s", (_what, url, message) => {
    expect(errorsOf(policy({ url })).join("\n")).toContain(message);
  });

  it("refuse a rule naming an unknown resource, and an MCP rule that forwards the caller's token", () => {
    const errors = errorsOf(
      policy({ url: "https://mcp.contoso.com" }, [
        { id: "a", methods: ["POST"], path: "/", resource: "nope" },
        {
          id: "b",
          methods: ["POST"],
          path: "/",
          mcp: { methods: ["tools/list"] },
          forwardAuthorization: true,
        },
      ]),
    );
    expect(errors).toEqual([
      "rules[0].resource: 'nope' is not a resource under 'resources' (defined: orders-mcp)",
      expect.stringContaining(
        "rules[1].forwardAuthorization: an MCP rule never passes the caller's token on",
      ),
    ]);
  });

  it("refuse mcp on the default rule", () => {
    const text = JSON.stringify({ version: 1, rules: [], defaultRule: { mcp: { tools: ["*"] } } });
    expect(errorsOf(text).join()).toContain("defaultRule.mcp: the default rule applies when no rule matches");
  });

  it("refuse an unknown agents stance", () => {
    expect(
      errorsOf(
        policy({ url: "https://mcp.contoso.com" }, [
          { id: "a", methods: ["POST"], path: "/", agents: "sometimes" },
        ]),
      ).join(),
    ).toContain("must be 'allow', 'deny' or 'only'");
  });
});

describe("MCP rules and the shadowing lint", () => {
  it("an MCP rule does not shadow a later rule on its route; a plain one does", () => {
    const rules = (first: object) => [
      { id: "first", methods: ["POST"], path: "/mcp", ...first },
      { id: "later", methods: ["POST"], path: "/mcp" },
    ];
    expect(
      warningsOf(policy({ url: "https://mcp.contoso.com" }, rules({ mcp: { tools: ["delete_*"] } }))),
    ).toEqual([]);
    expect(warningsOf(policy({ url: "https://mcp.contoso.com" }, rules({})))).toEqual([
      expect.stringContaining("can never match"),
    ]);
  });
});

describe("lints for Entra pitfalls", () => {
  it.each([
    ["upper case in the host", { url: "https://MCP.contoso.com/orders" }, "upper-case letters"],
    ["the default port", { url: "https://mcp.contoso.com:443/orders" }, "default port 443"],
    [
      "a v1 issuer",
      {
        url: "https://mcp.contoso.com",
        authorizationServers: ["https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"],
      },
      "not a v2.0 issuer",
    ],
    [
      "a foreign api:// scope",
      { url: "https://mcp.contoso.com", scopes: ["api://other/Files.Read"] },
      "another resource's URI",
    ],
    [
      "the requested scope form",
      { url: "https://mcp.contoso.com", scopes: ["https://mcp.contoso.com/mcp.tools"] },
      "the requested form",
    ],
    ["offline_access", { url: "https://mcp.contoso.com", scopes: ["offline_access"] }, "'offline_access'"],
    [
      "no client-id GUID among the audiences",
      { url: "https://mcp.contoso.com", audiences: ["https://mcp.contoso.com"] },
      "no client-id GUID",
    ],
  ])("%s", (_what, resource, message) => {
    expect(warningsOf(policy(resource)).join("\n")).toContain(message);
  });
});

describe("resource helpers", () => {
  it("metadata goes between the host and the resource's path", () => {
    expect(metadataPath({ url: "https://mcp.contoso.com/orders/v1" })).toBe(
      "/.well-known/oauth-protected-resource/orders/v1",
    );
    expect(metadataPath({ url: "https://mcp.contoso.com" })).toBe("/.well-known/oauth-protected-resource");
  });

  it("scopes are asked for as {resource}/{scope}; roles through {resource}/.default", () => {
    const resource = {
      url: "https://mcp.contoso.com",
      scopes: ["mcp.tools"],
      roles: ["mcp.admin"],
    } as Parameters<typeof requestableScopes>[0];
    expect(requestableScopes(resource, ["mcp.tools", "mcp.admin", "other.role"])).toEqual([
      "https://mcp.contoso.com/mcp.tools",
      "https://mcp.contoso.com/.default",
    ]);
  });
});
