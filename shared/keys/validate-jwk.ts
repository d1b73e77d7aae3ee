// Decides whether one member of a JWKS may verify tokens, and reduces it to the members
// verification needs. Anything private, symmetric, weak, mislabelled or for another use is refused.

import { printable } from "../printable.js";
import { algorithmFor, CURVES, RSA_ALGORITHM } from "./key-algorithm.js";
import type { ValidatedJwk } from "./types.js";

export type JwkValidation = { ok: true; jwk: ValidatedJwk } | { ok: false; problem: string };

/** A public JWKS must never carry these: their presence means a private or symmetric key leaked. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

const MIN_RSA_BITS = 2048;
// Verification cost grows with the modulus; no issuer needs more, and WebCrypto stops here too.
const MAX_RSA_BITS = 16384;
// Small exponents (3) invite signature-forgery bugs in lenient verifiers; the upper bound,
// 2^32-1, is what WebCrypto implementations accept.
const MIN_RSA_EXPONENT = 65537;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function base64url(value: unknown): Buffer | undefined {
  if (typeof value !== "string" || !BASE64URL.test(value) || value.length % 4 === 1) return undefined;
  return Buffer.from(value, "base64url");
}

/** The bytes of a big-endian unsigned integer without its leading zero bytes. */
function significant(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function bitLength(bytes: Buffer): number {
  const digits = significant(bytes);
  const top = digits[0];
  return top === undefined ? 0 : (digits.length - 1) * 8 + (32 - Math.clz32(top));
}

function checkRsa(m: Record<string, unknown>): string | undefined {
  const n = base64url(m.n);
  if (n === undefined) return "RSA modulus n is missing or not base64url";
  const bits = bitLength(n);
  if (bits < MIN_RSA_BITS) return `RSA modulus is ${bits} bits, under ${MIN_RSA_BITS}`;
  if (bits > MAX_RSA_BITS) return `RSA modulus is ${bits} bits, over ${MAX_RSA_BITS}`;

  const e = base64url(m.e);
  if (e === undefined) return "RSA exponent e is missing or not base64url";
  const digits = significant(e);
  // Four bytes hold at most 2^32-1, so this is the upper bound.
  if (digits.length > 4) return "RSA exponent is above 2^32-1";
  const exponent = digits.reduce((value, byte) => value * 256 + byte, 0);
  if (exponent % 2 === 0) return `RSA exponent ${exponent} is even`;
  if (exponent < MIN_RSA_EXPONENT) return `RSA exponent ${exponent} is below ${MIN_RSA_EXPONENT}`;
  return undefined;
}

function checkEc(m: Record<string, unknown>): string | undefined {
  const curve = typeof m.crv === "string" ? CURVES[m.crv] : undefined;
  if (curve === undefined) {
    return typeof m.crv === "string"
      ? `EC curve "${printable(m.crv, 16)}" is not supported`
      : "EC key has no crv";
  }
  for (const coordinate of ["x", "y"] as const) {
    const bytes = base64url(m[coordinate]);
    if (bytes === undefined) return `EC coordinate ${coordinate} is missing or not base64url`;
    if (bytes.length !== curve.bytes) return `EC coordinate ${coordinate} has the wrong length for ${m.crv}`;
  }
  return undefined;
}

function checkAlg(
  alg: unknown,
  kty: "RSA" | "EC",
  crv: unknown,
  allowed: readonly string[],
): string | undefined {
  if (alg === undefined) return undefined;
  if (typeof alg !== "string") return "alg is not a string";
  if (!allowed.includes(alg)) return `alg ${printable(alg, 16)} is not allowed`;
  if (kty === "RSA" && !RSA_ALGORITHM.test(alg)) return `alg ${alg} does not fit an RSA key`;
  if (kty === "EC" && (typeof crv !== "string" || CURVES[crv]?.alg !== alg)) {
    return `alg ${alg} does not fit curve ${typeof crv === "string" ? printable(crv, 16) : "(none)"}`;
  }
  return undefined;
}

function check(
  m: Record<string, unknown>,
  kty: "RSA" | "EC",
  allowed: readonly string[],
): string | undefined {
  const leaked = PRIVATE_MEMBERS.filter((name) => name in m);
  if (leaked.length > 0) return `carries private key member(s) ${leaked.join(", ")}`;

  if (m.use !== undefined && m.use !== "sig") {
    return `use is ${JSON.stringify(printable(String(m.use), 16))}, not "sig"`;
  }
  if (m.key_ops !== undefined && !(Array.isArray(m.key_ops) && m.key_ops.includes("verify"))) {
    return 'key_ops does not include "verify"';
  }
  if (m.issuer !== undefined && (typeof m.issuer !== "string" || m.issuer === "")) {
    return "issuer is not a non-empty string";
  }

  const problem = (kty === "RSA" ? checkRsa(m) : checkEc(m)) ?? checkAlg(m.alg, kty, m.crv, allowed);
  if (problem !== undefined) return problem;
  // Past the checks above alg and crv are strings or absent. WebCrypto binds a key to one
  // algorithm, so a key that no allowed algorithm can use is useless.
  const alg = algorithmFor(
    { kty, alg: m.alg as string | undefined, crv: m.crv as string | undefined },
    allowed,
  );
  return alg === undefined
    ? `no allowed algorithm uses ${kty === "RSA" ? "RSA" : `EC ${String(m.crv)}`} keys`
    : undefined;
}

/** Checks one JWKS member against the allowed algorithms; on success returns only what verification needs. */
export function validateJwk(jwk: unknown, allowedAlgorithms: readonly string[]): JwkValidation {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    return { ok: false, problem: "key is not a JSON object" };
  }
  const m = jwk as Record<string, unknown>;
  if (typeof m.kid !== "string" || m.kid === "") return { ok: false, problem: "key has no kid" };
  const kid = m.kid;
  const name = `key ${JSON.stringify(printable(kid))}`;

  const kty = m.kty;
  if (kty === "oct") return { ok: false, problem: `${name}: symmetric (oct) keys are never accepted` };
  if (kty !== "RSA" && kty !== "EC") {
    return {
      ok: false,
      problem: `${name}: kty ${typeof kty === "string" ? printable(kty, 16) : "(none)"} is not RSA or EC`,
    };
  }

  const problem = check(m, kty, allowedAlgorithms);
  if (problem !== undefined) return { ok: false, problem: `${name}: ${problem}` };

  // Rebuilt member by member so that nothing unchecked (x5c, ext, unknown members) travels on.
  const out: ValidatedJwk = { kty, kid };
  if (m.use === "sig") out.use = "sig";
  if (typeof m.alg === "string") out.alg = m.alg;
  if (kty === "RSA") {
    out.n = m.n as string;
    out.e = m.e as string;
  } else {
    out.crv = m.crv as string;
    out.x = m.x as string;
    out.y = m.y as string;
  }
  if (typeof m.issuer === "string") out.issuer = m.issuer;
  return { ok: true, jwk: out };
}
