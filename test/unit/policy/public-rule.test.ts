// `public: true` rules: what the schema refuses beside them, the rate limits they may use, and
// the route readings under which a public rule decides (or does not) before any token is read.

import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import type { Policy } from "../../../shared/policy/policy-schema.js";
import { publicDecision } from "../../../shared/policy/public-rule.js";

function policyOf(document: Record<string, unknown>): Policy {
  const result = parsePolicy(JSON.stringify({ version: 1, ...document }));
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.policy;
}

function errorsOf(document: Record<string, unknown>): string[] {
  const result = parsePolicy(JSON.stringify({ version: 1, ...document }));
  if (result.ok) throw new Error("expected the policy to be refused");
  return result.errors;
}

const health = { id: "health", methods: ["GET"], path: "/health", public: true };

describe("public rules in the schema", () => {
  it("parse, and every other rule is not public", () => {
    const policy = policyOf({ rules: [health, { id: "orders", methods: ["GET"], path: "/orders/**" }] });
    expect(policy.rules.map((rule) => rule.public)).toEqual([true, false]);
  });

  it.each([
    [
      "require",
      { require: { roles: { anyOf: ["reader"] } } },
      "a public rule lets anyone through: it has no 'require'",
    ],
    [
      "forwardAuthorization",
      { forwardAuthorization: true },
      "a public rule never checks a token, so it never forwards one",
    ],
    ["agents", { agents: "deny" }, "a public rule has no verified caller to tell an agent by"],
    [
      "mcp",
      { mcp: { methods: ["tools/call"] } },
      "MCP rules need a verified caller; a public rule cannot match MCP calls",
    ],
    ["reportOnly", { reportOnly: true }, "a public rule refuses nobody, so report-only means nothing there"],
  ])("refuses %s beside public: true", (key, extra, message) => {
    expect(errorsOf({ rules: [{ ...health, ...extra }] })).toContain(`rules[0].${key}: ${message}`);
  });

  it("refuses a public default rule", () => {
    expect(errorsOf({ rules: [], defaultRule: { public: true } }).join("\n")).toContain(
      "the default rule cannot be public (it would open every route no rule names)",
    );
  });

  it("refuses a rate limit counted per claims a public caller does not have, the default key included", () => {
    const errors = errorsOf({
      rateLimits: {
        "by-app": { requests: 5, window: "1m", key: ["clientApp"] },
        plain: { requests: 5, window: "1m" },
      },
      rules: [
        { ...health, rateLimit: "by-app" },
        { ...health, id: "health2", path: "/health2", rateLimit: "plain" },
      ],
    });
    expect(errors).toEqual([
      "rules[0].rateLimit: 'by-app' is counted per clientApp, which a public rule's callers do not have (no token is checked); key it by the caller's address with key: [clientIp], or key: [] for one budget shared by all",
      "rules[1].rateLimit: 'plain' is counted per tenant, clientApp, objectId (the default key), which a public rule's callers do not have (no token is checked); key it by the caller's address with key: [clientIp], or key: [] for one budget shared by all",
    ]);
  });

  it("accepts a limit keyed by clientIp, or one budget shared by all", () => {
    const policy = policyOf({
      rateLimits: {
        "per-ip": { requests: 5, window: "1m", key: ["clientIp"] },
        shared: { requests: 50, window: "1m", key: [] },
      },
      rules: [
        { ...health, rateLimit: "per-ip" },
        { ...health, id: "docs", path: "/docs/**", rateLimit: "shared" },
      ],
    });
    expect(policy.rateLimits["per-ip"]?.key).toEqual(["clientIp"]);
  });
});

describe("publicDecision", () => {
  const policy = policyOf({
    rules: [
      { id: "tools", methods: ["POST"], path: "/mcp", mcp: { methods: ["tools/call"] } },
      { id: "mcp-open", methods: ["POST"], path: "/mcp", public: true },
      { id: "health-admin", methods: ["PUT"], path: "/health" },
      { id: "health", methods: ["GET", "PUT"], path: "/health/", public: true },
      { id: "status", methods: ["GET"], path: "/status", host: "status.contoso.com", public: true },
      { id: "orders", methods: ["GET"], path: "/orders/**" },
    ],
  });
  const decide = (method: string, path: string, host = "api.contoso.com") =>
    publicDecision(policy, { method, path, host })?.rule;

  it("decides a public route from the route alone", () => {
    expect(decide("GET", "/health/")).toMatchObject({ id: "health" });
    expect(publicDecision(policy, { method: "GET", path: "/health/", host: "x" })).toMatchObject({
      outcome: "allow",
      forwardAuthorization: false,
    });
  });

  it("leaves every other route to the token: a non-public rule, no rule", () => {
    expect(decide("GET", "/orders/1")).toBeUndefined();
    expect(decide("GET", "/nothing")).toBeUndefined();
  });

  it("does not decide PUT /health/ when its other slash reading is another rule's (PUT /health)", () => {
    expect(decide("PUT", "/health/")).toBeUndefined();
  });

  it("does not decide a case variant another reading would send elsewhere", () => {
    expect(decide("GET", "/Health/")).toBeUndefined();
  });

  it("takes a host rule only on that host", () => {
    expect(decide("GET", "/status", "status.contoso.com")).toMatchObject({ id: "status" });
    expect(decide("GET", "/status", "api.contoso.com")).toBeUndefined();
  });

  it("never decides where an MCP rule before it might take the call", () => {
    expect(decide("POST", "/mcp")).toBeUndefined();
  });

  it("costs nothing for a policy without public rules", () => {
    const closed = policyOf({ rules: [{ id: "orders", methods: ["GET"], path: "/orders/**" }] });
    expect(publicDecision(closed, { method: "GET", path: "/orders/1" })).toBeUndefined();
  });
});
