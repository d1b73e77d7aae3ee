import { generateKeyPairSync } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import {
  AssertionKeyError,
  generateAssertionKey,
  parseAssertionKeys,
} from "../../../shared/forward/assertion-keys.js";
import { AssertionSigner, type AssertionSubject } from "../../../shared/forward/identity-assertion.js";
import { principal } from "../../../tools/loopback/principal.js";

const NOW_MS = 1_800_000_000_000;
const BACKEND = "https://orders.internal:8443/api";
const AUDIENCE = "https://orders.internal:8443";

// No token expiry: the assertion's own lifetime applies (tests that cap it set expiresAt).
const SUBJECT: AssertionSubject = {
  ...principal({ roles: ["Orders.Read", "Orders.Write"], scopes: ["orders.read", "profile"] }),
  expiresAt: undefined,
};

function errorOf(fn: () => unknown): AssertionKeyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AssertionKeyError);
    return error as AssertionKeyError;
  }
  throw new Error("expected an AssertionKeyError");
}

describe("AssertionSigner", () => {
  it("signs an ES256 assertion that verifies against its published JWKS", async () => {
    const clock = new ManualClock(NOW_MS);
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), { clock });
    const token = await signer.sign(SUBJECT, BACKEND);

    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(signer.jwks()), {
      issuer: "tollgate",
      audience: AUDIENCE,
      algorithms: ["ES256"],
      typ: "tollgate-identity+jwt",
      currentDate: new Date(NOW_MS),
    });
    expect(protectedHeader).toEqual({ alg: "ES256", kid: signer.kid, typ: "tollgate-identity+jwt" });
    expect(payload).toMatchObject({
      iss: "tollgate",
      aud: AUDIENCE,
      sub: SUBJECT.objectId,
      tid: SUBJECT.tenantId,
      oid: SUBJECT.objectId,
      azp: SUBJECT.clientAppId,
      kind: "user",
      roles: ["Orders.Read", "Orders.Write"],
      scp: "orders.read profile",
      iat: NOW_MS / 1000,
      exp: NOW_MS / 1000 + 60,
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("fails verification for another audience", async () => {
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), {
      clock: new ManualClock(NOW_MS),
    });
    const token = await signer.sign(SUBJECT, BACKEND);
    await expect(
      jwtVerify(token, createLocalJWKSet(signer.jwks()), {
        audience: "https://billing.internal",
        currentDate: new Date(NOW_MS),
      }),
    ).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "aud" });
  });

  it("uses the configured issuer, audience and lifetime", async () => {
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), {
      clock: new ManualClock(NOW_MS),
      issuer: "https://tollgate.contoso.com",
      audience: "api://orders",
      lifetimeSeconds: 120,
    });
    const token = await signer.sign(SUBJECT, BACKEND);
    const { payload } = await jwtVerify(token, createLocalJWKSet(signer.jwks()), {
      issuer: "https://tollgate.contoso.com",
      audience: "api://orders",
      currentDate: new Date(NOW_MS),
    });
    expect(payload.exp).toBe(NOW_MS / 1000 + 120);
  });

  it("never outlives the access token it stands for", async () => {
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), {
      clock: new ManualClock(NOW_MS),
    });
    const token = await signer.sign({ ...SUBJECT, expiresAt: NOW_MS / 1000 + 20 }, BACKEND);
    const { payload } = await jwtVerify(token, createLocalJWKSet(signer.jwks()), {
      currentDate: new Date(NOW_MS),
    });
    expect(payload.exp).toBe(NOW_MS / 1000 + 20);
  });

  it("expires with the clock", async () => {
    const clock = new ManualClock(NOW_MS);
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), { clock });
    const token = await signer.sign(SUBJECT, BACKEND);
    await expect(
      jwtVerify(token, createLocalJWKSet(signer.jwks()), { currentDate: new Date(NOW_MS + 61_000) }),
    ).rejects.toMatchObject({ code: "ERR_JWT_EXPIRED" });
  });

  it("reuses an assertion until about 10 s before it expires, per caller and backend", async () => {
    const clock = new ManualClock(NOW_MS);
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), { clock });
    const first = await signer.sign(SUBJECT, BACKEND);
    clock.advance(49_000);
    expect(await signer.sign(SUBJECT, BACKEND)).toBe(first);
    expect(await signer.sign(SUBJECT, "https://billing.internal")).not.toBe(first);
    expect(await signer.sign({ ...SUBJECT, roles: ["Orders.Read"] }, BACKEND)).not.toBe(first);
    clock.advance(1_000);
    expect(await signer.sign(SUBJECT, BACKEND)).not.toBe(first);
  });

  it("answers a reusable assertion without a promise, and nothing once it must be signed again", async () => {
    const clock = new ManualClock(NOW_MS);
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), { clock });
    expect(signer.signedBefore(SUBJECT, BACKEND)).toBeUndefined();
    const first = await signer.sign(SUBJECT, BACKEND);
    expect(signer.signedBefore(SUBJECT, BACKEND)).toBe(first);
    expect(signer.signedBefore(SUBJECT, "https://billing.internal")).toBeUndefined();
    expect(signer.signedBefore({ ...SUBJECT, roles: ["Orders.Read"] }, BACKEND)).toBeUndefined();
    clock.advance(49_000);
    expect(signer.signedBefore(SUBJECT, BACKEND)).toBe(first);
    // Within 10 s of its expiry it is no longer handed out.
    clock.advance(1_000);
    expect(signer.signedBefore(SUBJECT, BACKEND)).toBeUndefined();
    const second = await signer.sign(SUBJECT, BACKEND);
    expect(second).not.toBe(first);
    expect(signer.signedBefore(SUBJECT, BACKEND)).toBe(second);
  });

  it("signs afresh every time when reuse is off", async () => {
    const signer = await AssertionSigner.fromSetting(generateAssertionKey(), { cacheSize: 0 });
    expect(await signer.sign(SUBJECT, BACKEND)).not.toBe(await signer.sign(SUBJECT, BACKEND));
  });

  it("publishes every key, signs with the first, and never publishes a private part", async () => {
    const current = JSON.parse(generateAssertionKey()) as Record<string, string>;
    const previous = JSON.parse(generateAssertionKey()) as Record<string, string>;
    const signer = await AssertionSigner.fromSetting(
      JSON.stringify([
        { ...current, kid: "2026-05" },
        { ...previous, kid: "2026-04" },
      ]),
    );
    const jwks = signer.jwks();
    expect(jwks.keys.map((key) => key.kid)).toEqual(["2026-05", "2026-04"]);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    }
    expect(JSON.stringify(jwks)).not.toContain(current.d);
    expect(JSON.stringify(jwks)).not.toContain(previous.d);

    const token = await signer.sign(SUBJECT, BACKEND);
    expect(decodeProtectedHeader(token).kid).toBe("2026-05");
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).resolves.toBeDefined();
    // Only the first key's entry verifies it.
    const previousOnly = {
      keys: jwks.keys.filter((key) => key.kid === "2026-04").map((k) => ({ ...k, kid: "2026-05" })),
    };
    await expect(jwtVerify(token, createLocalJWKSet(previousOnly))).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
  });

  it("does not let a caller change the published keys", async () => {
    const signer = await AssertionSigner.fromSetting(generateAssertionKey());
    const jwks = signer.jwks();
    jwks.keys.length = 0;
    expect(signer.jwks().keys).toHaveLength(1);
  });
});

describe("parseAssertionKeys", () => {
  const pkcs8 = () =>
    generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ format: "pem", type: "pkcs8" })
      .toString();

  it("reads a JWK, an array of JWKs and a JWKS", () => {
    const a = generateAssertionKey();
    const b = generateAssertionKey();
    expect(parseAssertionKeys(a)).toHaveLength(1);
    expect(parseAssertionKeys(`[${a},${b}]`)).toHaveLength(2);
    expect(parseAssertionKeys(`{"keys":[${a},${b}]}`)).toHaveLength(2);
  });

  it("gives a key without a kid its RFC 7638 thumbprint", () => {
    const { kid: _, ...jwk } = JSON.parse(generateAssertionKey()) as Record<string, string>;
    const [key] = parseAssertionKeys(JSON.stringify(jwk));
    expect(key?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("reads PKCS#8 PEM, several blocks, and newlines written as \\n", async () => {
    const one = pkcs8();
    const two = pkcs8();
    expect(parseAssertionKeys(one)).toHaveLength(1);
    expect(parseAssertionKeys(`${one}\n${two}`)).toHaveLength(2);
    expect(parseAssertionKeys(one.replaceAll("\n", "\\n"))).toHaveLength(1);
    const sec1 = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ format: "pem", type: "sec1" })
      .toString();
    expect(parseAssertionKeys(sec1)).toHaveLength(1);

    const signer = await AssertionSigner.fromSetting(one);
    const token = await signer.sign(SUBJECT, BACKEND);
    await expect(jwtVerify(token, createLocalJWKSet(signer.jwks()))).resolves.toBeDefined();
  });

  it("refuses bad input with a clear message that never echoes key material", () => {
    const jwk = JSON.parse(generateAssertionKey()) as Record<string, string>;
    const other = JSON.parse(generateAssertionKey()) as Record<string, string>;
    const d = jwk.d ?? "";
    const cases: Array<[string, RegExp]> = [
      ["", /empty/],
      [`{"kty":"EC","crv":"P-256","d":"${d}", oops}`, /not valid JSON/],
      [JSON.stringify({ ...jwk, d: undefined }), /public key or incomplete/],
      [JSON.stringify({ ...jwk, crv: "P-384" }), /EC P-256/],
      [JSON.stringify({ kty: "RSA", n: "abc", e: "AQAB", d }), /EC P-256/],
      [JSON.stringify({ ...jwk, alg: "RS256" }), /ES256/],
      [JSON.stringify({ ...jwk, use: "enc" }), /use "sig"/],
      [JSON.stringify({ ...jwk, x: other.x, y: other.y }), /does not belong to its "d"/],
      [JSON.stringify({ ...jwk, d: "AAAA" }), /not a valid EC P-256 private key|not a P-256 private key/],
      [JSON.stringify([jwk, jwk]), /Two signing keys have the kid/],
      [JSON.stringify([jwk, { ...other, kty: "oct" }]), /^Key 2 of 2 /],
      [JSON.stringify({ keys: "nope" }), /"keys" is not an array/],
      [
        `-----BEGIN PRIVATE KEY-----\n${d}${d}\n-----END PRIVATE KEY-----`,
        /PEM block 1 of 1 is not a readable PEM/,
      ],
      ["-----BEGIN PRIVATE KEY-----\nMIGH", /no complete PEM block/],
      [
        generateKeyPairSync("ec", { namedCurve: "P-384" })
          .privateKey.export({ format: "pem", type: "pkcs8" })
          .toString(),
        /not an EC P-256 private key/,
      ],
    ];
    for (const [input, message] of cases) {
      const error = errorOf(() => parseAssertionKeys(input));
      expect(error.message, input.slice(0, 40)).toMatch(message);
      expect(error.message).not.toContain(d);
      expect(error.message).not.toContain(d.slice(0, 8));
      expect(error.cause).toBeUndefined();
    }
  });
});
