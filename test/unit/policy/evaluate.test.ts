import { describe, expect, it } from "vitest";
import { authorize } from "../../../shared/policy/authorize.js";
import { evaluateRequirement } from "../../../shared/policy/evaluate.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import type { Policy, Requirement, RequirementDocument } from "../../../shared/policy/policy-schema.js";
import type { Principal } from "../../../shared/token/principal.js";
import { principal as caller } from "../../../tools/loopback/principal.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
const CLIENT = "11111111-2222-3333-4444-555555555555";

/** A caller of the client app the requirements below name, as the validator would produce it. */
const principal = (overrides: Partial<Principal> = {}) => caller({ clientAppId: CLIENT, ...overrides });

/** Parses a requirement through the real schema, as a policy would. */
function req(document: RequirementDocument): Requirement {
  const result = parsePolicy(
    JSON.stringify({ version: 1, rules: [{ id: "r", methods: ["GET"], path: "/", require: document }] }),
  );
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.policy.rules[0]?.require as Requirement;
}

describe("evaluateRequirement", () => {
  it("roles anyOf: one is enough; missing lists them all", () => {
    const r = req({ roles: { anyOf: ["reader", "admin"] } });
    expect(evaluateRequirement(r, principal({ roles: ["admin"] }))).toEqual({ satisfied: true });
    expect(evaluateRequirement(r, principal({ roles: ["Reader"] }))).toEqual({
      satisfied: false,
      missing: ["reader", "admin"],
      needs: "one of the roles 'reader' or 'admin'",
      groupsOverage: false,
    });
  });

  it("roles allOf: missing lists only those absent", () => {
    const r = req({ roles: { allOf: ["reader", "auditor", "admin"] } });
    expect(evaluateRequirement(r, principal({ roles: ["reader", "auditor", "admin", "x"] }))).toEqual({
      satisfied: true,
    });
    expect(evaluateRequirement(r, principal({ roles: ["reader"] }))).toMatchObject({
      satisfied: false,
      missing: ["auditor", "admin"],
      needs: "the roles 'auditor' and 'admin'",
    });
  });

  it("a name set with anyOf and allOf needs both", () => {
    const r = req({ scopes: { anyOf: ["Orders.Read", "Orders.ReadWrite"], allOf: ["Audit"] } });
    expect(evaluateRequirement(r, principal({ scopes: ["Orders.Read", "Audit"] }))).toEqual({
      satisfied: true,
    });
    expect(evaluateRequirement(r, principal({ scopes: ["Orders.Read"] }))).toMatchObject({
      missing: ["Audit"],
      needs: "the scope 'Audit'",
    });
    expect(evaluateRequirement(r, principal({ scopes: ["Audit"] }))).toMatchObject({
      missing: ["Orders.Read", "Orders.ReadWrite"],
    });
  });

  it("scopes and roles do not stand in for each other", () => {
    expect(
      evaluateRequirement(req({ scopes: { anyOf: ["admin"] } }), principal({ roles: ["admin"] })),
    ).toMatchObject({
      satisfied: false,
    });
  });

  it("groups compare ignoring case and are not named to the caller", () => {
    const r = req({ groups: { anyOf: ["AAAAAAAA-0000-0000-0000-000000000001", "ops"] } });
    expect(evaluateRequirement(r, principal({ groups: ["aaaaaaaa-0000-0000-0000-000000000001"] }))).toEqual({
      satisfied: true,
    });
    expect(evaluateRequirement(r, principal({ groups: ["OPS"] }))).toEqual({ satisfied: true });
    const unmet = evaluateRequirement(r, principal({ groups: ["dev"] }));
    expect(unmet).toEqual({
      satisfied: false,
      missing: [],
      needs: "membership of one of 2 required groups",
      groupsOverage: false,
    });
  });

  it("groups overage: the token could not list the groups, so a group requirement is unmet and says why", () => {
    const r = req({ groups: { anyOf: ["ops"] } });
    const unmet = evaluateRequirement(r, principal({ groupsOverage: true }));
    expect(unmet).toMatchObject({ satisfied: false, groupsOverage: true, missing: [] });
    expect(unmet.satisfied === false && unmet.needs).toMatch(/too many groups/);
    // Another branch can still let the caller in.
    const either = req({ anyOf: [{ groups: { anyOf: ["ops"] } }, { roles: { anyOf: ["admin"] } }] });
    expect(evaluateRequirement(either, principal({ groupsOverage: true, roles: ["admin"] }))).toEqual({
      satisfied: true,
    });
    expect(evaluateRequirement(either, principal({ groupsOverage: true }))).toMatchObject({
      groupsOverage: true,
      missing: ["admin"],
    });
  });

  it("tenants, client apps and kind", () => {
    const tenants = req({ tenants: [TENANT.toUpperCase()] });
    expect(evaluateRequirement(tenants, principal())).toEqual({ satisfied: true });
    expect(evaluateRequirement(tenants, principal({ tenantId: OTHER_TENANT }))).toEqual({
      satisfied: false,
      missing: [],
      needs: "a caller from an allowed tenant",
      groupsOverage: false,
    });
    const apps = req({ clientApps: [CLIENT] });
    expect(evaluateRequirement(apps, principal({ clientAppId: CLIENT.toUpperCase() }))).toEqual({
      satisfied: true,
    });
    expect(evaluateRequirement(apps, principal({ clientAppId: OTHER_TENANT }))).toMatchObject({
      needs: "a call from an allowed client application",
    });
    expect(evaluateRequirement(req({ kind: "app" }), principal({ kind: "app" }))).toEqual({
      satisfied: true,
    });
    expect(evaluateRequirement(req({ kind: "app" }), principal({ kind: "user" }))).toMatchObject({
      needs: "an application (an app-only token)",
    });
    expect(evaluateRequirement(req({ kind: "user" }), principal({ kind: "app" }))).toMatchObject({
      needs: "a signed-in user (a delegated token)",
    });
  });

  it("anyOf, allOf and nesting; missing gathers what would help", () => {
    const r = req({
      allOf: [
        { kind: "user" },
        { anyOf: [{ roles: { anyOf: ["reader"] } }, { scopes: { allOf: ["Orders.Read", "Orders.List"] } }] },
      ],
    });
    expect(evaluateRequirement(r, principal({ roles: ["reader"] }))).toEqual({ satisfied: true });
    expect(evaluateRequirement(r, principal({ scopes: ["Orders.Read", "Orders.List"] }))).toEqual({
      satisfied: true,
    });
    expect(evaluateRequirement(r, principal({ kind: "app", roles: ["reader"] }))).toMatchObject({
      missing: [],
      needs: "a signed-in user (a delegated token)",
    });
    expect(evaluateRequirement(r, principal({ scopes: ["Orders.Read"] }))).toEqual({
      satisfied: false,
      missing: ["reader", "Orders.List"],
      needs: "either the role 'reader' or the scope 'Orders.List'",
      groupsOverage: false,
    });
    expect(evaluateRequirement(r, principal({ kind: "app" }))).toMatchObject({
      missing: ["reader", "Orders.Read", "Orders.List"],
      needs:
        "a signed-in user (a delegated token) and (either the role 'reader' or the scopes 'Orders.Read' and 'Orders.List')",
    });
  });
});

function policyOf(document: Record<string, unknown>): Policy {
  const result = parsePolicy(JSON.stringify({ version: 1, ...document }));
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.policy;
}

describe("authorize", () => {
  const policy = policyOf({
    backends: { orders: { url: "http://127.0.0.1:7071" } },
    rateLimits: { "per-app": { requests: 100, window: "1m" } },
    rules: [
      {
        id: "orders-read",
        methods: ["GET"],
        path: "/orders/{id}",
        require: {
          anyOf: [{ roles: { anyOf: ["reader", "admin"] } }, { scopes: { anyOf: ["Orders.Read"] } }],
        },
        backend: "orders",
        rateLimit: "per-app",
        forwardAuthorization: true,
      },
      {
        id: "audit",
        methods: ["GET"],
        path: "/audit/**",
        require: { roles: { anyOf: ["auditor"] } },
        reportOnly: true,
      },
      { id: "open", methods: ["GET"], path: "/open" },
    ],
  });

  it("allows a caller that meets the rule, with backend, rate limit and forwarding", () => {
    expect(
      authorize(policy, { method: "GET", path: "/orders/7" }, principal({ scopes: ["Orders.Read"] })),
    ).toEqual({
      outcome: "allow",
      rule: policy.rules[0],
      params: { id: "7" },
      backend: "orders",
      backendUrl: "http://127.0.0.1:7071",
      rateLimit: "per-app",
      forwardAuthorization: true,
      message: "Allowed.",
    });
  });

  it("a rule without require lets any authenticated caller in, to the default backend", () => {
    const decision = authorize(policy, { method: "GET", path: "/open" }, principal());
    expect(decision).toMatchObject({ outcome: "allow", forwardAuthorization: false });
    expect(decision.backend).toBeUndefined();
  });

  it("denies with insufficient_scope and the names for the challenge", () => {
    const decision = authorize(
      policy,
      { method: "GET", path: "/orders/7" },
      principal({ roles: ["writer"] }),
    );
    expect(decision).toEqual({
      outcome: "deny",
      rule: policy.rules[0],
      params: { id: "7" },
      reason: "insufficient_scope",
      requiredScope: "reader admin Orders.Read",
      forwardAuthorization: false,
      message:
        "This request requires either one of the roles 'reader' or 'admin' or the scope 'Orders.Read'.",
    });
  });

  it("denies with no_matching_rule when nothing matches and the default rule is deny", () => {
    expect(
      authorize(policy, { method: "DELETE", path: "/orders/7" }, principal({ roles: ["admin"] })),
    ).toEqual({
      outcome: "deny",
      reason: "no_matching_rule",
      forwardAuthorization: false,
      message: "No rule allows DELETE requests to this path.",
    });
  });

  it("report-only: a refusal is recorded but the request goes through", () => {
    const decision = authorize(policy, { method: "GET", path: "/audit/x" }, principal());
    expect(decision).toMatchObject({
      outcome: "report_only_deny",
      reason: "insufficient_scope",
      requiredScope: "auditor",
      rule: { id: "audit" },
      message: "Allowed in report-only mode; the rule requires the role 'auditor'.",
    });
    expect(
      authorize(policy, { method: "GET", path: "/audit/x" }, principal({ roles: ["auditor"] })),
    ).toMatchObject({
      outcome: "allow",
    });
  });

  it("applies a default rule object when nothing matches", () => {
    const withDefault = policyOf({
      backends: { fallback: { url: "http://127.0.0.1:7072" } },
      rules: [],
      defaultRule: { require: { kind: "app" }, backend: "fallback" },
    });
    expect(
      authorize(withDefault, { method: "GET", path: "/anything" }, principal({ kind: "app" })),
    ).toMatchObject({
      outcome: "allow",
      rule: { id: "default" },
      backendUrl: "http://127.0.0.1:7072",
    });
    expect(authorize(withDefault, { method: "GET", path: "/anything" }, principal())).toMatchObject({
      outcome: "deny",
      reason: "insufficient_scope",
      rule: { id: "default" },
    });
    const reportOnly = policyOf({ rules: [], defaultRule: { require: { kind: "app" }, reportOnly: true } });
    expect(authorize(reportOnly, { method: "GET", path: "/anything" }, principal())).toMatchObject({
      outcome: "report_only_deny",
    });
  });

  it("says when the token had too many groups", () => {
    const groups = policyOf({
      rules: [{ id: "g", methods: ["GET"], path: "/g", require: { groups: { anyOf: ["ops"] } } }],
    });
    const decision = authorize(groups, { method: "GET", path: "/g" }, principal({ groupsOverage: true }));
    expect(decision).toMatchObject({ outcome: "deny", reason: "insufficient_scope", groupsOverage: true });
    expect(decision.requiredScope).toBeUndefined();
    expect(decision.message).toMatch(/too many groups/);
  });

  it("never lets an invalid path through, not even under a default rule", () => {
    const open = policyOf({ rules: [], defaultRule: {} });
    expect(authorize(open, { method: "GET", path: "/a/../admin" }, principal())).toEqual({
      outcome: "invalid_path",
      forwardAuthorization: false,
      message: "Refused: the path holds a '.' or '..' segment.",
    });
  });
});
