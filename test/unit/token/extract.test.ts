import { describe, expect, it } from "vitest";
import type { TollgateError } from "../../../shared/reasons.js";
import { extractBearerToken } from "../../../shared/token/extract.js";
import { reasonOf } from "../../support/reason-of.js";

describe("extractBearerToken", () => {
  it("takes the token after a case-insensitive Bearer scheme", () => {
    expect(extractBearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(extractBearerToken("bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(extractBearerToken("BEARER abc.def.ghi")).toBe("abc.def.ghi");
  });

  it.each([
    [null, "token_missing"],
    ["", "token_missing"],
    ["   ", "token_missing"],
    ["Basic dXNlcjpwYXNz", "authorization_scheme_unsupported"],
    ["Bearer", "authorization_header_invalid"],
    ["Bearer ", "authorization_header_invalid"],
    ["Bearer a.b.c, Bearer d.e.f", "authorization_header_invalid"],
    ["Bearer a.b.c d.e.f", "authorization_header_invalid"],
    ["Bearer\ta.b.c", "authorization_header_invalid"],
    [" Bearer a.b.c", "authorization_header_invalid"],
    ["Bearer a.b.c ", "authorization_header_invalid"],
  ])("%j is refused with %s", (header, reason) => {
    expect(reasonOf(() => extractBearerToken(header))).toBe(reason);
  });

  it("says why a token in the query string is not used", () => {
    try {
      extractBearerToken(null, new URL("https://api.example.com/orders?access_token=a.b.c"));
      expect.unreachable();
    } catch (error) {
      expect((error as TollgateError).reason).toBe("token_missing");
      expect((error as TollgateError).message).toContain("query string");
    }
  });
});
