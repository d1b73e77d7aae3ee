import { describe, expect, it } from "vitest";
import { bearerChallenge } from "../../../shared/http/www-authenticate.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import { resourceChallenge } from "../../../shared/policy/resource-gate.js";
import { TollgateError } from "../../../shared/reasons.js";

const URL_ = "https://mcp.contoso.com/orders";
const parsed = parsePolicy(
  JSON.stringify({
    version: 1,
    resources: {
      orders: {
        url: URL_,
        audiences: ["6e1b2c3d-0000-4000-8000-000000000001"],
        authorizationServers: ["https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"],
        scopes: ["orders.read", "orders.write"],
        roles: ["orders.admin"],
      },
    },
    rules: [
      {
        id: "write",
        methods: ["POST"],
        path: "/orders",
        resource: "orders",
        require: { scopes: { allOf: ["orders.write"] } },
      },
      {
        id: "tools",
        methods: ["PUT"],
        path: "/orders",
        resource: "orders",
        mcp: { tools: ["x"] },
        require: { roles: { anyOf: ["orders.admin"] } },
      },
      { id: "plain", methods: ["GET"], path: "/plain" },
    ],
  }),
);
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const policy = parsed.policy;
const [write, tools, plain] = policy.rules;
const missing = new TollgateError("token_missing", "No token.");

describe("resourceChallenge", () => {
  it("401: what the rule asks for, as a client requests it from Entra", () => {
    expect(resourceChallenge(policy, write, missing)).toEqual({
      resourceMetadata: "https://mcp.contoso.com/.well-known/oauth-protected-resource/orders",
      scope: `${URL_}/orders.write`,
    });
  });

  it("401 on an MCP rule (chosen before the body was read): the resource's own scopes", () => {
    expect(resourceChallenge(policy, tools, missing)?.scope).toBe(`${URL_}/orders.read ${URL_}/orders.write`);
  });

  it("403: the missing app role becomes {resource}/.default", () => {
    const refusal = new TollgateError("insufficient_scope", "Needs orders.admin.", {
      requiredScope: "orders.admin",
    });
    expect(resourceChallenge(policy, tools, refusal)?.scope).toBe(`${URL_}/.default`);
  });

  it("nothing outside a resource", () => {
    expect(resourceChallenge(policy, plain, missing)).toBeUndefined();
  });
});

describe("bearerChallenge with resource extras", () => {
  it("keeps a long scope list and the metadata URL whole, and puts no error on a 401 without a token", () => {
    const scope = Array.from({ length: 12 }, (_, i) => `${URL_}/scope-number-${i}`).join(" ");
    const challenge = bearerChallenge(missing, "tollgate", {
      resourceMetadata: "https://m.example/x",
      scope,
    });
    expect(challenge).toBe(
      `Bearer realm="tollgate", scope="${scope}", resource_metadata="https://m.example/x"`,
    );
    expect(scope.length).toBeGreaterThan(300);
  });
});
