import { describe, expect, it } from "vitest";
import {
  decisionAttributes,
  decisionMeasurements,
  decisionMetricAttributes,
} from "../../../shared/telemetry/decision-attributes.js";
import type { DecisionRecord } from "../../../shared/telemetry/decision-record.js";
import { principal as caller } from "../../../tools/loopback/principal.js";

const principal = caller({ scopes: ["Orders.Read"], roles: ["reader"], groups: ["g1"] });

const allowed: DecisionRecord = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  outcome: "allow",
  ruleId: "orders-read",
  status: 200,
  principal,
  backendStatus: 200,
  rateLimitPolicy: "per-client",
  rateLimitOutcome: "allow",
  rateLimitRemaining: 41,
  verifyMs: 0.4567,
  backendMs: 12.25,
  durationMs: 14,
};

describe("a decision's span attributes", () => {
  it("name the outcome, rule, caller's tenant, client app, kind, token version, limit and backend", () => {
    expect(decisionAttributes(allowed, { includeObjectId: false })).toEqual({
      "tollgate.outcome": "allow",
      "tollgate.rule_id": "orders-read",
      "tollgate.tenant_id": principal.tenantId,
      "tollgate.client_app_id": principal.clientAppId,
      "tollgate.principal_kind": "user",
      "tollgate.token_version": "2.0",
      "tollgate.rate_limit.policy": "per-client",
      "tollgate.rate_limit.outcome": "allow",
      "tollgate.backend.status": "200",
    });
  });

  it("carry the object id only when the operator opts in, and never the subject, roles or scopes", () => {
    const attributes = decisionAttributes(allowed, { includeObjectId: true });
    expect(attributes["tollgate.object_id"]).toBe(principal.objectId);
    const text = JSON.stringify(attributes);
    for (const never of ["pairwise-subject", "reader", "Orders.Read", "g1"])
      expect(text).not.toContain(never);
  });

  it("for a denial before any token was read: the outcome and reason only", () => {
    const denial: DecisionRecord = {
      traceId: "x",
      outcome: "deny",
      reason: "token_missing",
      status: 401,
      durationMs: 0,
    };
    expect(decisionAttributes(denial, { includeObjectId: true })).toEqual({
      "tollgate.outcome": "deny",
      "tollgate.reason": "token_missing",
    });
  });
});

describe("a decision's measurements", () => {
  it("verify and backend time, what tollgate added, and the budget left", () => {
    expect(decisionMeasurements(allowed, 13.75)).toEqual({
      "tollgate.verify_ms": 0.457,
      "tollgate.backend_ms": 12.25,
      "tollgate.added_latency_ms": 1.5,
      "tollgate.rate_limit.remaining": 41,
    });
  });

  it("without a backend, all the time is tollgate's", () => {
    const denial: DecisionRecord = {
      traceId: "x",
      outcome: "deny",
      reason: "token_missing",
      status: 401,
      durationMs: 0,
    };
    expect(decisionMeasurements(denial, 0.3)).toEqual({ "tollgate.added_latency_ms": 0.3 });
  });
});

describe("the decisions metric's dimensions", () => {
  it("stay few: outcome, reason and rate-limit policy, never a caller", () => {
    expect(
      decisionMetricAttributes({ ...allowed, outcome: "deny", reason: "rate_limited", status: 429 }),
    ).toEqual({
      "tollgate.outcome": "deny",
      "tollgate.reason": "rate_limited",
      "tollgate.rate_limit.policy": "per-client",
    });
  });
});
