import { describe, expect, it } from "vitest";
import { parseBackendUrl, pathAndQuery } from "../../../shared/forward/backend-target.js";

describe("parseBackendUrl", () => {
  it("splits origin and base path, without a trailing slash", () => {
    expect(parseBackendUrl("https://orders.internal:8443/api/")).toEqual({
      origin: "https://orders.internal:8443",
      basePath: "/api",
    });
    expect(parseBackendUrl("http://10.0.0.4")).toEqual({ origin: "http://10.0.0.4", basePath: "" });
    expect(parseBackendUrl("https://orders.internal:443/")).toEqual({
      origin: "https://orders.internal",
      basePath: "",
    });
  });

  it("refuses what cannot be a backend, without quoting a password", () => {
    expect(() => parseBackendUrl("orders.internal")).toThrow(/not an absolute URL/);
    expect(() => parseBackendUrl("ftp://orders.internal")).toThrow(/http: or https:/);
    expect(() => parseBackendUrl("https://orders.internal/api?x=1")).toThrow(/query/);
    expect(() => parseBackendUrl("https://orders.internal/api?")).toThrow(/query/);
    expect(() => parseBackendUrl("https://orders.internal/#f")).toThrow(/fragment/);
    try {
      parseBackendUrl("https://user:hunter2@orders.internal/");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/credentials/);
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});

describe("pathAndQuery", () => {
  it("keeps the path and query exactly as serialised and drops the fragment", () => {
    expect(pathAndQuery("https://api.contoso.com/a//b/%2F?q=1&q=2#frag")).toBe("/a//b/%2F?q=1&q=2");
    expect(pathAndQuery("https://api.contoso.com/x?")).toBe("/x?");
    expect(pathAndQuery("https://api.contoso.com")).toBe("/");
    expect(pathAndQuery("http://api.contoso.com:8080/p?a=%20")).toBe("/p?a=%20");
  });
});
