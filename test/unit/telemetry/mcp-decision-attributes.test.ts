import { describe, expect, it } from "vitest";
import { decisionAttributes } from "../../../shared/telemetry/decision-attributes.js";
import type { DecisionRecord } from "../../../shared/telemetry/decision-record.js";
import { buildPrincipal } from "../../../shared/token/principal.js";

const inputs = {
  tid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  version: "2.0" as const,
  clientAppId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
  kind: "app" as const,
  audience: "6e1b2c3d-0000-4000-8000-000000000001",
  times: { issuedAt: 1, expiresAt: 2, notBefore: 1 },
};
const agentToken = {
  oid: "00000000-1111-2222-3333-444444444444",
  sub: "00000000-1111-2222-3333-444444444444",
  xms_act_fct: "3 9 11",
  xms_sub_fct: "9 3 11",
  xms_par_app_azp: "30CF4C22-9985-4EF7-8756-91CC888176BD",
};

describe("MCP and agent fields on the decision span", () => {
  it("carry the MCP method, name, revision and resource, and the agent with its parent app", () => {
    const principal = buildPrincipal(agentToken, inputs);
    const record: DecisionRecord = {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      outcome: "deny",
      reason: "insufficient_scope",
      status: 403,
      principal,
      resource: "orders-mcp",
      mcp: { method: "tools/call", name: "delete_order", protocolVersion: "2025-11-25" },
      durationMs: 1,
    };
    expect(decisionAttributes(record, { includeObjectId: false })).toMatchObject({
      "tollgate.resource": "orders-mcp",
      "tollgate.mcp.method": "tools/call",
      "tollgate.mcp.name": "delete_order",
      "tollgate.mcp.protocol_version": "2025-11-25",
      "tollgate.agent": "true",
      "tollgate.agent.parent_app_id": "30cf4c22-9985-4ef7-8756-91cc888176bd",
    });
  });

  it("never carry a token or an email that a resource URI holds", () => {
    const attributes = decisionAttributes(
      {
        traceId: "0".repeat(32),
        outcome: "allow",
        status: 200,
        mcp: {
          method: "resources/read",
          name: "mail://avery@contoso.com/eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
        },
        durationMs: 1,
      },
      { includeObjectId: false },
    );
    expect(attributes["tollgate.mcp.name"]).toBe("mail://[email]/[token]");
  });

  it("say nothing about agents for an ordinary app token", () => {
    const { xms_act_fct: _a, xms_sub_fct: _s, xms_par_app_azp: _p, ...plain } = agentToken;
    const attributes = decisionAttributes(
      {
        traceId: "0".repeat(32),
        outcome: "allow",
        status: 200,
        principal: buildPrincipal(plain, inputs),
        durationMs: 1,
      },
      { includeObjectId: false },
    );
    expect(attributes["tollgate.agent"]).toBeUndefined();
    expect(attributes["tollgate.agent.parent_app_id"]).toBeUndefined();
    expect(attributes["tollgate.mcp.method"]).toBeUndefined();
  });
});
