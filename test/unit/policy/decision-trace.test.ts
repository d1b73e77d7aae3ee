// The trace `authorize` fills in when asked: every rule tried in order with why it was skipped,
// and the requirement tree with each node met or not. Asking for it changes no decision.

import { describe, expect, it } from "vitest";
import { authorize } from "../../../shared/policy/authorize.js";
import { newDecisionTrace } from "../../../shared/policy/decision-trace.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import { principal } from "../../../tools/loopback/principal.js";

const parsed = parsePolicy(
  JSON.stringify({
    version: 1,
    rules: [
      { id: "admin-host", methods: ["GET"], host: "admin.example", path: "/orders/**" },
      { id: "writes", methods: ["POST"], path: "/orders/**" },
      { id: "other", methods: ["GET"], path: "/reports/**" },
      {
        id: "orders",
        methods: ["GET"],
        path: "/orders/{id}",
        require: {
          anyOf: [
            { roles: { anyOf: ["admin"] } },
            { allOf: [{ scopes: { allOf: ["Orders.Read"] } }, { kind: "user" }] },
          ],
        },
      },
    ],
  }),
  "json",
);
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const policy = parsed.policy;

const caller = principal({ kind: "app", scopes: ["Orders.Read"] });
const request = { method: "GET", path: "/orders/7", host: "api.example" };

describe("authorize with a trace", () => {
  it("records why each earlier rule was skipped and which leaves were met", () => {
    const trace = newDecisionTrace();
    const decision = authorize(policy, request, caller, trace);
    expect(decision.outcome).toBe("deny");
    expect(trace.rules).toEqual([
      { ruleId: "admin-host", matched: false, skipped: "host" },
      { ruleId: "writes", matched: false, skipped: "method" },
      { ruleId: "other", matched: false, skipped: "path" },
      { ruleId: "orders", matched: true },
    ]);
    expect(trace.requirement).toEqual([
      {
        node: "anyOf",
        met: false,
        needs: expect.any(String),
        children: [
          { node: "roles", met: false, needs: "the role 'admin'" },
          {
            node: "allOf",
            met: false,
            needs: "a signed-in user (a delegated token)",
            children: [
              { node: "scopes", met: true },
              { node: "kind", met: false, needs: "a signed-in user (a delegated token)" },
            ],
          },
        ],
      },
    ]);
  });

  it("decides exactly as without a trace", () => {
    expect(authorize(policy, request, caller, newDecisionTrace())).toEqual(
      authorize(policy, request, caller),
    );
    const user = { ...caller, kind: "user" as const };
    expect(authorize(policy, request, user, newDecisionTrace())).toEqual(authorize(policy, request, user));
  });
});
