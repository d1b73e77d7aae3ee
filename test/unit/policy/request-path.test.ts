import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitRequestPath, splitRequestPathSlowly } from "../../../shared/policy/request-path.js";

// The fast path skips the ten checks when a single scan finds nothing any of them could match.
// These tests hold it to the full list: the same answer for every path, attacks included.
describe("splitRequestPath", () => {
  const attacks = [
    "//manage/users",
    "/orders/..%2Fmanage/users",
    "/orders/%2e%2e/manage",
    "/orders/%252e%252e/manage",
    "/orders/.;x/manage",
    "/orders/..;/manage",
    "/./manage",
    "/orders/.",
    "/orders\\..\\manage",
    "/;x/manage",
    "/%6danage/users",
    "/orders/%00",
    "/orders/%zz",
    "/orders/a b",
    "/orders/\u00e9",
    "/orders/\t",
    "/orders?x=1",
    "/orders#x",
    "orders",
    "",
  ];
  const fine = [
    "/",
    "/orders/17",
    "/orders/17/",
    "/.well-known/jwks.json",
    "/orders/a.b/c..d",
    "/a-_~!$&'()*+,=:@",
  ];

  it("refuses every attack path for the same reason as the full check list", () => {
    for (const path of attacks) {
      const fast = splitRequestPath(path);
      expect(fast.ok, path).toBe(false);
      expect(fast).toEqual(splitRequestPathSlowly(path));
    }
  });

  it("splits ordinary paths into their segments", () => {
    for (const path of fine) expect(splitRequestPath(path)).toEqual(splitRequestPathSlowly(path));
    expect(splitRequestPath("/orders/17/")).toEqual({ ok: true, segments: ["orders", "17", ""] });
    expect(splitRequestPath("/")).toEqual({ ok: true, segments: [""] });
  });

  it("agrees with the full check list on any path built from the characters the checks look for", () => {
    const piece = fc.constantFrom(
      "/",
      ".",
      "..",
      "%",
      "2e",
      "2f",
      "25",
      "5c",
      "00",
      "6d",
      ";",
      "\\",
      "?",
      "#",
      " ",
      "\u00e9",
      "a",
      "Z",
      "9",
      "-",
      "~",
      "_",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const path = pieces.join("");
        expect(splitRequestPath(path)).toEqual(splitRequestPathSlowly(path));
        expect(splitRequestPath(`/${path}`)).toEqual(splitRequestPathSlowly(`/${path}`));
      }),
      { numRuns: 5_000 },
    );
  });
});
