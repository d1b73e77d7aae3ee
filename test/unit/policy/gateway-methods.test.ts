// A rule for a method the gateway function does not register (functions/gateway.ts) could never
// match: the Functions host answers those methods itself. The validator says so.

import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";

describe("methods the gateway function never receives", () => {
  it.each(["TRACE", "CONNECT", "PROPFIND", "QUERY"])(
    "refuses a rule for %s, naming the methods registered",
    (method) => {
      const parsed = parsePolicy(
        JSON.stringify({ version: 1, rules: [{ id: "r", methods: [method], path: "/" }] }),
      );
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? "" : parsed.errors.join("\n")).toContain(
        `'${method}' never reaches tollgate: the gateway function registers GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS only`,
      );
    },
  );

  it("takes every method the trigger registers", () => {
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    expect(parsePolicy(JSON.stringify({ version: 1, rules: [{ id: "r", methods, path: "/" }] })).ok).toBe(
      true,
    );
  });
});
