// validateJwk: each rule that refuses a JWKS member, and what an accepted member is reduced to.

import { generateKeyPairSync } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { validateJwk } from "../../../shared/keys/validate-jwk.js";

const RS256 = ["RS256"];
const ALL = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

let rsa: Record<string, unknown>;
let p256: Record<string, unknown>;
let p384: Record<string, unknown>;
let p521: Record<string, unknown>;

async function publicJwk(alg: string, kid: string): Promise<Record<string, unknown>> {
  const { publicKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(publicKey)), kid };
}

beforeAll(async () => {
  rsa = await publicJwk("RS256", "rsa-1");
  p256 = await publicJwk("ES256", "ec-256");
  p384 = await publicJwk("ES384", "ec-384");
  p521 = await publicJwk("ES512", "ec-521");
});

const b64 = (bytes: Buffer) => bytes.toString("base64url");
const modulus = () => Buffer.from(rsa.n as string, "base64url");

function problemOf(jwk: unknown, allowed: readonly string[] = RS256): string {
  const result = validateJwk(jwk, allowed);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.jwk)}`);
  return result.problem;
}

function accepted(jwk: unknown, allowed: readonly string[] = RS256) {
  const result = validateJwk(jwk, allowed);
  if (!result.ok) throw new Error(`expected acceptance, got: ${result.problem}`);
  return result.jwk;
}

describe("validateJwk accepts", () => {
  it("a real 2048-bit RSA public key from jose, importable as RS256", async () => {
    const jwk = accepted(rsa);
    expect(jwk).toEqual({ kty: "RSA", kid: "rsa-1", n: rsa.n, e: "AQAB" });
    await expect(importJWK(jwk as JWK, "RS256")).resolves.toBeDefined();
  });

  it("a real P-256 public key when ES256 is allowed", async () => {
    const jwk = accepted(p256, ["ES256"]);
    expect(jwk).toEqual({ kty: "EC", kid: "ec-256", crv: "P-256", x: p256.x, y: p256.y });
    await expect(importJWK(jwk as JWK, "ES256")).resolves.toBeDefined();
  });

  it("P-384 and P-521 keys with their own algorithms", () => {
    expect(accepted({ ...p384, alg: "ES384" }, ALL).alg).toBe("ES384");
    expect(accepted({ ...p521, alg: "ES512" }, ALL).alg).toBe("ES512");
  });

  it("an Entra-shaped key, keeping only what verification needs", () => {
    const jwk = accepted({
      ...rsa,
      use: "sig",
      alg: "RS256",
      key_ops: ["verify"],
      x5t: "abc",
      x5c: ["MIIC..."],
      ext: true,
      cloud_instance_name: "microsoftonline.com",
      issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
    });
    expect(jwk).toEqual({
      kty: "RSA",
      kid: "rsa-1",
      use: "sig",
      alg: "RS256",
      n: rsa.n,
      e: "AQAB",
      issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
    });
  });

  it("a modulus written with a leading zero byte", () => {
    expect(accepted({ ...rsa, n: b64(Buffer.concat([Buffer.from([0]), modulus()])) }).kid).toBe("rsa-1");
  });

  it("exponents 2^32-1 and 65537 written with a leading zero byte", () => {
    expect(accepted({ ...rsa, e: b64(Buffer.from([0xff, 0xff, 0xff, 0xff])) }).e).toBe("_____w");
    expect(accepted({ ...rsa, e: b64(Buffer.from([0, 1, 0, 1])) }).kid).toBe("rsa-1");
  });

  it("RSA keys for PS256 when the JWK names it", () => {
    expect(accepted({ ...rsa, alg: "PS256" }, ["PS256"]).alg).toBe("PS256");
  });
});

describe("validateJwk refuses", () => {
  it.each([null, undefined, "key", 42, true, [rsa]])("a non-object (%j)", (value) => {
    expect(problemOf(value)).toMatch(/not a JSON object/);
  });

  it("a missing, empty or non-string kid", () => {
    const { kid: _, ...withoutKid } = rsa;
    expect(problemOf(withoutKid)).toMatch(/no kid/);
    expect(problemOf({ ...rsa, kid: "" })).toMatch(/no kid/);
    expect(problemOf({ ...rsa, kid: 7 })).toMatch(/no kid/);
  });

  it("a symmetric (oct) key", () => {
    expect(problemOf({ kty: "oct", kid: "hmac", k: "c2VjcmV0" }, ALL)).toMatch(
      /symmetric \(oct\) keys are never accepted/,
    );
  });

  it.each(["OKP", "AKP", undefined])("kty %s", (kty) => {
    expect(problemOf({ ...rsa, kty }, ALL)).toMatch(/not RSA or EC/);
  });

  it.each(["d", "p", "q", "dp", "dq", "qi", "k"])(
    "a public key that also carries private member %s",
    (member) => {
      expect(problemOf({ ...rsa, [member]: "AQAB" })).toMatch(
        new RegExp(`private key member\\(s\\) ${member}$`),
      );
    },
  );

  it("a real private key exported as JWK", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(problemOf({ ...privateKey.export({ format: "jwk" }), kid: "leaked" })).toMatch(
      /private key member/,
    );
  });

  it("use other than sig", () => {
    expect(problemOf({ ...rsa, use: "enc" })).toMatch(/use is "enc"/);
    expect(problemOf({ ...rsa, use: "" })).toMatch(/use is/);
  });

  it("key_ops without verify", () => {
    expect(problemOf({ ...rsa, key_ops: ["encrypt", "sign"] })).toMatch(/key_ops/);
    expect(problemOf({ ...rsa, key_ops: [] })).toMatch(/key_ops/);
    expect(problemOf({ ...rsa, key_ops: "verify" })).toMatch(/key_ops/);
  });

  it("an alg outside the allow-list", () => {
    expect(problemOf({ ...rsa, alg: "RS384" }, RS256)).toMatch(/alg RS384 is not allowed/);
    expect(problemOf({ ...rsa, alg: "HS256" }, RS256)).toMatch(/alg HS256 is not allowed/);
    expect(problemOf({ ...rsa, alg: 256 }, RS256)).toMatch(/alg is not a string/);
  });

  it("an alg that does not fit the key type", () => {
    expect(problemOf({ ...rsa, alg: "ES256" }, ALL)).toMatch(/ES256 does not fit an RSA key/);
    expect(problemOf({ ...p256, alg: "RS256" }, ALL)).toMatch(/RS256 does not fit curve P-256/);
    expect(problemOf({ ...p256, alg: "PS256" }, ALL)).toMatch(/PS256 does not fit curve P-256/);
    expect(problemOf({ ...rsa, alg: "EdDSA" }, [...ALL, "EdDSA"])).toMatch(/EdDSA does not fit an RSA key/);
  });

  it("an EC alg for another curve", () => {
    expect(problemOf({ ...p256, alg: "ES384" }, ALL)).toMatch(/ES384 does not fit curve P-256/);
    expect(problemOf({ ...p384, alg: "ES256" }, ALL)).toMatch(/ES256 does not fit curve P-384/);
    expect(problemOf({ ...p521, alg: "ES384" }, ALL)).toMatch(/ES384 does not fit curve P-521/);
  });

  it("a real 1024-bit RSA key", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    expect(problemOf({ ...publicKey.export({ format: "jwk" }), kid: "weak" })).toMatch(
      /1024 bits, under 2048/,
    );
  });

  it("a 2047-bit modulus", () => {
    const n = modulus();
    n[0] = 0x40 | ((n[0] ?? 0) & 0x3f);
    expect(problemOf({ ...rsa, n: b64(n) })).toMatch(/2047 bits, under 2048/);
  });

  it("a short modulus padded with zero bytes to 2048 bits of length", () => {
    const padded = Buffer.concat([Buffer.from([0]), modulus().subarray(1)]);
    expect(padded.length).toBe(256);
    expect(problemOf({ ...rsa, n: b64(padded) })).toMatch(/under 2048/);
  });

  it("a 1024-bit modulus however many zero bytes pad it", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const n = Buffer.from(publicKey.export({ format: "jwk" }).n as string, "base64url");
    const padded = Buffer.concat([Buffer.alloc(129), n]);
    expect(problemOf({ ...rsa, n: b64(padded) })).toMatch(/1024 bits, under 2048/);
  });

  it("a modulus over 16384 bits", () => {
    expect(problemOf({ ...rsa, n: b64(Buffer.alloc(2049, 0xff)) })).toMatch(/over 16384/);
  });

  it("a missing or non-base64url modulus", () => {
    const { n: _, ...withoutN } = rsa;
    expect(problemOf(withoutN)).toMatch(/modulus n is missing or not base64url/);
    expect(problemOf({ ...rsa, n: `${rsa.n as string}=` })).toMatch(/modulus n is missing or not base64url/);
    expect(problemOf({ ...rsa, n: (rsa.n as string).replace(/[_-]/g, "+") })).toMatch(/not base64url/);
  });

  it("an even exponent", () => {
    expect(problemOf({ ...rsa, e: b64(Buffer.from([1, 0, 2])) })).toMatch(/65538 is even/);
  });

  it("an exponent below 65537", () => {
    expect(problemOf({ ...rsa, e: "Aw" })).toMatch(/exponent 3 is below 65537/);
    expect(problemOf({ ...rsa, e: b64(Buffer.from([0xff, 0xff])) })).toMatch(/65535 is below 65537/);
    expect(problemOf({ ...rsa, e: "AA" })).toMatch(/exponent 0 is even/);
  });

  it("an exponent above 2^32-1", () => {
    expect(problemOf({ ...rsa, e: b64(Buffer.from([1, 0, 0, 0, 1])) })).toMatch(/above 2\^32-1/);
  });

  it("a missing exponent", () => {
    const { e: _, ...withoutE } = rsa;
    expect(problemOf(withoutE)).toMatch(/exponent e is missing/);
  });

  it("an EC key without crv, or with an unknown one", () => {
    const { crv: _, ...withoutCrv } = p256;
    expect(problemOf(withoutCrv, ALL)).toMatch(/no crv/);
    expect(problemOf({ ...p256, crv: "secp256k1" }, ALL)).toMatch(/curve "secp256k1" is not supported/);
    expect(problemOf({ ...p256, crv: "Ed25519" }, ALL)).toMatch(/not supported/);
  });

  it("an EC key without x or y", () => {
    const { x: _x, ...withoutX } = p256;
    const { y: _y, ...withoutY } = p256;
    expect(problemOf(withoutX, ALL)).toMatch(/coordinate x is missing/);
    expect(problemOf(withoutY, ALL)).toMatch(/coordinate y is missing/);
  });

  it("EC coordinates of the wrong length for the curve", () => {
    expect(problemOf({ ...p256, crv: "P-384" }, ALL)).toMatch(/coordinate x has the wrong length for P-384/);
  });

  it("a key no allowed algorithm can use", () => {
    expect(problemOf(rsa, ["ES256"])).toMatch(/no allowed algorithm uses RSA keys/);
    expect(problemOf(p384, ["ES256", "RS256"])).toMatch(/no allowed algorithm uses EC P-384 keys/);
  });

  it("an issuer member that is not a string", () => {
    expect(problemOf({ ...rsa, issuer: 1 })).toMatch(/issuer/);
    expect(problemOf({ ...rsa, issuer: "" })).toMatch(/issuer/);
  });

  it("and names an attacker's kid only as short printable ASCII", () => {
    const problem = problemOf({ ...rsa, kid: `\u0000\u202e${"x".repeat(500)}`, use: "enc" });
    expect(problem).toMatch(/^key "\?\?x{62}\.\.\.": use is "enc"/);
  });
});
