import { describe, expect, it } from "vitest";
import { checkProtectedHeader } from "../../../shared/token/header-rules.js";
import { decodePayload, shapeGate } from "../../../shared/token/shape-gate.js";
import { reasonOf } from "../../support/reason-of.js";

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const HEADER = { alg: "RS256", typ: "JWT", kid: "k1" };
const PAYLOAD = { ver: "2.0" };
const SIG = b64("s".repeat(256));
const token = (header: unknown = HEADER, payload: unknown = PAYLOAD, sig = SIG) =>
  `${b64(header)}.${b64(payload)}.${sig}`;

const gateAndHeader = (t: string, algorithms = ["RS256"]) => {
  const split = shapeGate(t, 16 * 1024);
  checkProtectedHeader(split.header, algorithms, split.unsigned);
  return decodePayload(split);
};

describe("shape gate", () => {
  it("accepts a well-formed token and decodes header and payload", () => {
    const split = shapeGate(token(), 16 * 1024);
    expect(split.header).toEqual(HEADER);
    expect(decodePayload(split)).toEqual(PAYLOAD);
  });

  it("refuses a token over the size limit before decoding it", () => {
    const big = token(HEADER, { pad: "x".repeat(20_000) });
    expect(reasonOf(() => shapeGate(big, 16 * 1024))).toBe("token_too_large");
    expect(reasonOf(() => shapeGate(`${"!".repeat(16 * 1024 + 1)}`, 16 * 1024))).toBe("token_too_large");
    expect(reasonOf(() => shapeGate(token(), 16 * 1024))).toBe("accepted");
  });

  it("names encrypted (five-part) tokens", () => {
    expect(reasonOf(() => shapeGate("a.b.c.d.e", 16 * 1024))).toBe("token_encrypted");
  });

  it.each([
    ["two parts", "a.b"],
    ["four parts", "a.b.c.d"],
    ["padding in the signature", `${token()}=`],
    ["padding in the payload", `${b64(HEADER)}.${b64(PAYLOAD)}==.${SIG}`],
    ["whitespace inside", token().replace(".", ". ")],
    ["a newline inside", token().replace(".", ".\n")],
    ["standard base64 characters", token().replace(/.$/, "+")],
    ["an impossible base64 length", `${b64(HEADER)}.${b64(PAYLOAD)}.${SIG}a`],
    ["non-canonical trailing bits", `${b64(HEADER)}.${b64(PAYLOAD)}.${b64("ab").replace(/.$/, "j")}`],
    ["a header that is not JSON", `${b64("not json")}.${b64(PAYLOAD)}.${SIG}`],
    ["a header that is a JSON array", token(["alg"])],
    ["a payload that is not an object", token(HEADER, "12")],
    [
      "invalid UTF-8 in the payload",
      `${b64(HEADER)}.${Buffer.from([0xff, 0xfe]).toString("base64url")}.${SIG}`,
    ],
  ])("refuses %s as token_malformed", (_, t) => {
    expect(reasonOf(() => gateAndHeader(t))).toBe("token_malformed");
  });

  it.each([
    ["in the header", `${b64('{"alg":"none","typ":"JWT","kid":"k1","alg":"RS256"}')}.${b64(PAYLOAD)}.${SIG}`],
    ["in the payload", token(HEADER, '{"roles":["reader"],"ver":"2.0","roles":["admin"]}')],
    ["spelled with an escape", token(HEADER, '{"roles":["reader"],"\\u0072oles":["admin"]}')],
    ["in a nested object", token(HEADER, '{"ver":"2.0","cnf":{"a":[{"x":1}],"b":{"a":1},"a":2}}')],
  ])("refuses a member named twice %s as token_malformed", (_, t) => {
    expect(reasonOf(() => gateAndHeader(t))).toBe("token_malformed");
  });

  it("accepts the same name in different objects, and names that only look alike", () => {
    const payload = '{"a":{"a":1,"b":[{"a":2},{"a":3}]},"b":"a\\",\\"a\\":1","c":["a","a"],"A":1,"a ":2}';
    expect(reasonOf(() => gateAndHeader(token(HEADER, payload)))).toBe("accepted");
  });
});

describe("protected header rules", () => {
  it.each([
    ["alg none", { ...HEADER, alg: "none" }, "token_unsigned"],
    ["alg None", { ...HEADER, alg: "None" }, "token_unsigned"],
    ["alg NONE", { ...HEADER, alg: "NONE" }, "token_unsigned"],
    ["HS256 (key confusion)", { ...HEADER, alg: "HS256" }, "algorithm_not_allowed"],
    ["RS512 when only RS256 is allowed", { ...HEADER, alg: "RS512" }, "algorithm_not_allowed"],
    ["no alg", { typ: "JWT", kid: "k1" }, "token_malformed"],
    ["crit", { ...HEADER, crit: ["exp"], exp: 1 }, "crit_not_supported"],
    ["embedded jwk", { ...HEADER, jwk: { kty: "RSA" } }, "embedded_key_rejected"],
    ["jku", { ...HEADER, jku: "https://attacker.example/keys" }, "embedded_key_rejected"],
    ["x5u", { ...HEADER, x5u: "https://attacker.example/cert" }, "embedded_key_rejected"],
    ["x5c", { ...HEADER, x5c: ["MIIB"] }, "embedded_key_rejected"],
    ["b64 false", { ...HEADER, b64: false }, "unencoded_payload_rejected"],
    ["enc (JWE header)", { ...HEADER, enc: "A256GCM" }, "token_encrypted"],
    ["a Graph nonce", { ...HEADER, nonce: "abc" }, "graph_token"],
    ["an ID-token-only typ", { ...HEADER, typ: "dpop+jwt" }, "not_an_access_token"],
    ["no kid", { alg: "RS256", typ: "JWT" }, "token_malformed"],
    ["a kid with control characters", { ...HEADER, kid: "a\nb" }, "token_malformed"],
  ])("refuses %s", (_, header, reason) => {
    expect(reasonOf(() => gateAndHeader(token(header)))).toBe(reason);
  });

  it("refuses an empty signature as unsigned whatever the alg", () => {
    expect(reasonOf(() => gateAndHeader(token(HEADER, PAYLOAD, "")))).toBe("token_unsigned");
  });

  it("accepts the header Entra sends", () => {
    expect(reasonOf(() => gateAndHeader(token({ ...HEADER, x5t: "k1" })))).toBe("accepted");
  });
});
