import { describe, expect, it } from "vitest";
import { authorize } from "../../../shared/policy/authorize.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import type { Policy } from "../../../shared/policy/policy-schema.js";
import type { Principal } from "../../../shared/token/principal.js";

function principal(overrides: Partial<Principal> = {}): Principal {
  return {
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    objectId: "00000000-0000-0000-0000-0000000000aa",
    subject: "sub",
    clientAppId: "11111111-2222-3333-4444-555555555555",
    kind: "user",
    scopes: [],
    roles: [],
    groups: [],
    groupsOverage: false,
    tokenVersion: "2.0",
    audience: "api://orders",
    issuedAt: 1_700_000_000,
    expiresAt: 1_700_003_600,
    caeCapable: false,
    ...overrides,
  };
}

function policyWith(require: unknown): Policy {
  const result = parsePolicy(
    JSON.stringify({ version: 1, rules: [{ id: "r", methods: ["GET"], path: "/**", require }] }),
  );
  if (!result.ok) throw new Error(result.errors.join("; "));
  return result.policy;
}

const get = { method: "GET", path: "/pay", host: "api.test" };

describe("authContext requirements", () => {
  it("accept c1 to c99 and refuse anything else with a message naming the range", () => {
    for (const id of ["c1", "c9", "c10", "c99"]) expect(() => policyWith({ authContext: id })).not.toThrow();
    for (const id of ["c0", "c100", "C1", "c01", "1", ""]) {
      expect(() => policyWith({ authContext: id })).toThrow(/authentication context id from c1 to c99/);
    }
  });

  it("is met when acrs holds the context", () => {
    const decision = authorize(
      policyWith({ authContext: "c3" }),
      get,
      principal({ authContexts: ["c1", "c3"] }),
    );
    expect(decision.outcome).toBe("allow");
  });

  it("asks for a step-up when only the context is missing", () => {
    const policy = policyWith({ allOf: [{ roles: { anyOf: ["approver"] } }, { authContext: "c2" }] });
    const decision = authorize(policy, get, principal({ roles: ["approver"], authContexts: ["c1"] }));
    expect(decision).toMatchObject({ outcome: "deny", reason: "auth_context_required", authContext: "c2" });
    expect(decision.message).toContain("'c2'");
  });

  it("does not ask for a step-up that would not be enough", () => {
    const policy = policyWith({ allOf: [{ roles: { anyOf: ["approver"] } }, { authContext: "c2" }] });
    const decision = authorize(policy, get, principal());
    expect(decision.reason).toBe("insufficient_scope");
    expect(decision.authContext).toBeUndefined();
  });

  it("offers the step-up when it is one way among several", () => {
    const policy = policyWith({ anyOf: [{ roles: { anyOf: ["admin"] } }, { authContext: "c5" }] });
    expect(authorize(policy, get, principal())).toMatchObject({
      reason: "auth_context_required",
      authContext: "c5",
    });
    expect(authorize(policy, get, principal({ roles: ["admin"] })).outcome).toBe("allow");
  });
});
