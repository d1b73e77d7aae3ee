// The Functions-path harness's own rules, which the bench and the Functions-path tests rely on:
// request headers folded as the host folds them into trigger metadata, and requests routed to
// functions as the host routes them.

import { describe, expect, it } from "vitest";
import { hostHeaders } from "../../tools/loopback/functions-path/host-headers.js";
import { httpFunctions, routeRequest } from "../../tools/loopback/functions-path/routes.js";
import type { Registration } from "../../tools/loopback/functions-path/worker-core.js";

describe("the host's request headers (trigger metadata)", () => {
  it("joins a repeated header with a comma under its first spelling, as ToDictionary over StringValues does", () => {
    expect(
      hostHeaders(["Authorization", "Bearer a", "Accept", "*/*", "authorization", "Bearer b", "X-One", "1"]),
    ).toEqual({ Authorization: "Bearer a,Bearer b", Accept: "*/*", "X-One": "1" });
  });

  it("keeps an empty value as a value", () => {
    expect(hostHeaders(["X-Empty", ""])).toEqual({ "X-Empty": "" });
  });
});

const registration = (name: string, route: string, methods: string[]): Registration => ({
  metadata: {
    name,
    bindings: {
      request: { type: "httpTrigger", direction: "in", route, methods },
      $return: { type: "http", direction: "out" },
    },
  },
  callback: () => undefined,
});

describe("routing to functions", () => {
  // Registered catch-all first, as tollgate's app does: literal routes still win.
  const functions = httpFunctions(
    [
      registration("gateway", "{*path}", ["GET", "POST"]),
      registration("health", ".tollgate/health", ["GET"]),
    ],
    "",
  );
  const routed = (method: string, path: string) => {
    const match = routeRequest(functions, method, path);
    return match && { name: match.fn.registration.metadata.name, params: match.params };
  };

  it("prefers a literal route to the catch-all, and gives the catch-all the rest of the path", () => {
    expect(routed("GET", "/.tollgate/health")).toEqual({ name: "health", params: {} });
    expect(routed("GET", "/orders/1")).toEqual({ name: "gateway", params: { path: "orders/1" } });
    expect(routed("POST", "/.tollgate/health")).toEqual({
      name: "gateway",
      params: { path: ".tollgate/health" },
    });
  });

  it("routes nothing for a method no function takes, or for the host's own /admin and /runtime", () => {
    expect(routed("DELETE", "/orders/1")).toBeUndefined();
    expect(routed("GET", "/admin/host/status")).toBeUndefined();
    expect(routed("GET", "/runtime/webhooks/x")).toBeUndefined();
  });

  it("puts routes under host.json's routePrefix", () => {
    const prefixed = httpFunctions([registration("gateway", "{*path}", ["GET"])], "api");
    expect(routeRequest(prefixed, "GET", "/orders/1")).toBeUndefined();
    expect(routeRequest(prefixed, "GET", "/api/orders/1")?.params).toEqual({ path: "orders/1" });
  });
});
