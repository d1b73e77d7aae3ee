// Reading Entra's tokenLifetimePolicy objects as Microsoft Graph returns them.

import { describe, expect, it } from "vitest";
import { parseDuration, parseTokenLifetimePolicy } from "../../../shared/audit/token-lifetime-policy.js";

describe("parseDuration", () => {
  it.each([
    ["8:00:00", 8 * 3600],
    ["08:00:00", 8 * 3600],
    ["00:10:00", 600],
    ["1.00:00:00", 86400],
    ["23:59:59", 86399],
    [" 01:30:00 ", 5400],
  ])("reads %j as %i seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "8h", "8:00", "00:60:00", "1:2:3", "-01:00:00"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("parseTokenLifetimePolicy", () => {
  it("reads the example from Graph's documentation", () => {
    const item = {
      id: "4d2f137b-e8a9-46da-a5c3-cc85b2b840a4",
      deletedDateTime: null,
      definition: ['{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"8:00:00"}}'],
      displayName: "Contoso token lifetime policy",
      isOrganizationDefault: true,
    };
    expect(parseTokenLifetimePolicy(item)).toEqual({
      id: "4d2f137b-e8a9-46da-a5c3-cc85b2b840a4",
      displayName: "Contoso token lifetime policy",
      isOrganizationDefault: true,
      accessTokenLifetimeSeconds: 8 * 3600,
      accessTokenLifetime: "8:00:00",
    });
  });

  it("leaves the lifetime undefined when the definition does not set it or cannot be read", () => {
    for (const definition of [
      ['{"TokenLifetimePolicy":{"Version":1}}'],
      ["not json"],
      "not an array",
      undefined,
    ]) {
      expect(
        parseTokenLifetimePolicy({ id: "p", displayName: "x", definition })?.accessTokenLifetimeSeconds,
      ).toBeUndefined();
    }
  });

  it("is undefined for an item that is not a policy", () => {
    expect(parseTokenLifetimePolicy(null)).toBeUndefined();
    expect(parseTokenLifetimePolicy({ displayName: "no id" })).toBeUndefined();
  });
});
