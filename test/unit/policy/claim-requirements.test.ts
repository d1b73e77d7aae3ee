// `claims:` and `objectIds:` requirements, from a verified token's payload (buildPrincipal, as the
// gateway builds it) through tollgate's policy parser to the decision: exact values, membership in
// array claims, never a pattern; and the policy errors a wrong one gets.

import { describe, expect, it } from "vitest";
import { authorize } from "../../../shared/policy/authorize.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import type { Policy } from "../../../shared/policy/policy-schema.js";
import { buildPrincipal } from "../../../shared/token/principal.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OID = "6f1c2b6e-6c2f-4c8e-9d7a-2b1f0e3d4c5a";
const GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10";

function policyWith(require: object): Policy {
  const parsed = parsePolicy(
    JSON.stringify({ version: 1, rules: [{ id: "r", methods: ["GET"], path: "/**", require }] }),
  );
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.policy;
}

function decide(require: object, payload: Record<string, unknown>) {
  const principal = buildPrincipal(
    { oid: OID, sub: "s", ...payload },
    {
      tid: TENANT,
      version: "2.0",
      clientAppId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      kind: "user",
      audience: "api://orders",
      times: { issuedAt: 1_700_000_000, expiresAt: 1_700_003_600, notBefore: undefined },
    },
  );
  return authorize(policyWith(require), { method: "GET", path: "/x", host: "tollgate.test" }, principal);
}

describe("claims: requirements", () => {
  const mfaAdmin = { claims: { amr: { allOf: ["mfa"] }, wids: { anyOf: [GLOBAL_ADMIN] } } };

  it("allow when every named claim holds: array membership (amr, wids)", () => {
    expect(
      decide(mfaAdmin, { amr: ["pwd", "mfa"], wids: [GLOBAL_ADMIN, "b79fbf4d-3ef9-4689-8143-76b194e85509"] })
        .outcome,
    ).toBe("allow");
  });

  it("refuse when one does not, naming the claim but not the values required", () => {
    const decision = decide(mfaAdmin, { amr: ["pwd"], wids: [GLOBAL_ADMIN] });
    expect(decision.outcome).toBe("deny");
    expect(decision.message).toContain("'amr' claim");
    expect(decision.message).not.toContain("mfa");
    expect(decide(mfaAdmin, { amr: ["mfa"] }).outcome).toBe("deny");
  });

  it("compare exactly: a string claim equals, a substring, a case change or a pattern does not", () => {
    const ctry = { claims: { ctry: { anyOf: ["US"] } } };
    expect(decide(ctry, { ctry: "US" }).outcome).toBe("allow");
    expect(decide(ctry, { ctry: "us" }).outcome).toBe("deny");
    expect(decide(ctry, { ctry: "USA" }).outcome).toBe("deny");
    expect(decide({ claims: { ctry: { anyOf: ["U."] } } }, { ctry: "US" }).outcome).toBe("deny");
    // Objects and numbers are not values to compare against: the claim does not hold.
    expect(decide(ctry, { ctry: { toString: "US" } }).outcome).toBe("deny");
    expect(decide({ claims: { ver: { anyOf: ["2"] } } }, { ver: 2 }).outcome).toBe("deny");
  });

  it("never reads a claim from the object prototype", () => {
    expect(decide({ claims: { constructor: { anyOf: ["x"] } } }, {}).outcome).toBe("deny");
  });

  it("reject bad documents with a clear message", () => {
    const errors = (require: object) => {
      const parsed = parsePolicy(
        JSON.stringify({ version: 1, rules: [{ id: "r", methods: ["GET"], path: "/", require }] }),
      );
      return parsed.ok ? [] : parsed.errors;
    };
    expect(errors({ claims: {} }).join("\n")).toContain("must name at least one claim");
    expect(errors({ claims: { amr: {} } }).join("\n")).toContain("needs 'anyOf' or 'allOf'");
    expect(errors({ claims: { "a b": { anyOf: ["x"] } } }).join("\n")).toContain("is not a claim name");
    expect(errors({ claims: { amr: { anyOf: [] } } }).join("\n")).toContain("at least one entry");
  });
});

describe("objectIds: an allow-list of callers", () => {
  it("allows a listed object id in any case, refuses any other", () => {
    expect(decide({ objectIds: [OID.toUpperCase()] }, {}).outcome).toBe("allow");
    const decision = decide({ objectIds: ["00000000-0000-0000-0000-000000000001"] }, {});
    expect(decision.outcome).toBe("deny");
    expect(decision.message).toContain("allowed list");
  });

  it("takes GUIDs only", () => {
    const parsed = parsePolicy(
      JSON.stringify({
        version: 1,
        rules: [{ id: "r", methods: ["GET"], path: "/", require: { objectIds: ["alice"] } }],
      }),
    );
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.errors.join("\n")).toContain("must be an object id (a GUID)");
  });
});
