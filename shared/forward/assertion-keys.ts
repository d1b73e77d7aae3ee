// The keys tollgate signs identity assertions with: read from a setting (EC P-256 JWKs or PKCS#8
// PEMs, several for rotation), checked, and given stable key ids. Errors never echo key material.

import { createECDH, createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";

/** A private signing key, checked, with the public half that gets published. */
export interface AssertionKey {
  kid: string;
  /** The private JWK (kty EC, crv P-256, x, y, d). */
  privateJwk: EcPrivateJwk;
  /** The public JWK as published: kty, crv, x, y, kid, alg ES256, use sig. */
  publicJwk: PublishedJwk;
}

interface EcPrivateJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  d: string;
}

export interface PublishedJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  alg: "ES256";
  use: "sig";
}

/** A signing-key setting that cannot be used. The message names the entry, never its content. */
export class AssertionKeyError extends Error {
  override readonly name = "AssertionKeyError";
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
// A kid is published and appears in every assertion header: keep it to a plain token.
const KID = /^[A-Za-z0-9._~:-]{1,128}$/;

/** RFC 7638 thumbprint of an EC public key: the kid when the setting does not give one. */
function thumbprint(jwk: { crv: string; x: string; y: string }): string {
  const canonical = `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  return createHash("sha256").update(canonical).digest("base64url");
}

/** The public point for private scalar `d`, worked out from d alone. */
function publicPointOf(d: string, where: string): { x: string; y: string } {
  const ecdh = createECDH("prime256v1");
  try {
    ecdh.setPrivateKey(Buffer.from(d, "base64url"));
  } catch {
    throw new AssertionKeyError(`${where} has a "d" that is not a P-256 private key.`);
  }
  const point = ecdh.getPublicKey(); // 0x04 || x (32 bytes) || y (32 bytes)
  return { x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33, 65).toString("base64url") };
}

function fromKeyObject(privateKey: KeyObject, where: string, kid: string | undefined): AssertionKey {
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new AssertionKeyError(`${where} is not an EC P-256 private key; ES256 needs one.`);
  }
  const { x, y, d } = privateKey.export({ format: "jwk" });
  if (typeof d !== "string" || typeof x !== "string" || typeof y !== "string") {
    throw new AssertionKeyError(`${where} could not be read as an EC P-256 private key.`);
  }
  // Node keeps whatever x and y it is given next to d. Published keys must verify what d signs,
  // so x and y are worked out from d and a key whose x/y belong to another key is refused.
  const derived = publicPointOf(d, where);
  if (derived.x !== x || derived.y !== y) {
    throw new AssertionKeyError(`${where} has an "x"/"y" that does not belong to its "d".`);
  }
  const publicParts = { crv: "P-256" as const, x, y };
  const keyId = kid ?? thumbprint(publicParts);
  return {
    kid: keyId,
    privateJwk: { kty: "EC", ...publicParts, d },
    publicJwk: { kty: "EC", ...publicParts, kid: keyId, alg: "ES256", use: "sig" },
  };
}

function fromJwk(value: unknown, where: string): AssertionKey {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AssertionKeyError(`${where} is not a JWK object.`);
  }
  const jwk = value as Record<string, unknown>;
  if (jwk.kty !== "EC" || jwk.crv !== "P-256") {
    throw new AssertionKeyError(`${where} must be an EC P-256 JWK (kty "EC", crv "P-256") for ES256.`);
  }
  if (typeof jwk.d !== "string" || typeof jwk.x !== "string" || typeof jwk.y !== "string") {
    throw new AssertionKeyError(
      `${where} is a public key or incomplete: a signing key needs "d", "x" and "y".`,
    );
  }
  if (jwk.alg !== undefined && jwk.alg !== "ES256") {
    throw new AssertionKeyError(
      `${where} says alg "${String(jwk.alg).slice(0, 16)}"; tollgate signs with ES256.`,
    );
  }
  if (jwk.use !== undefined && jwk.use !== "sig") {
    throw new AssertionKeyError(
      `${where} says use "${String(jwk.use).slice(0, 16)}"; a signing key has use "sig".`,
    );
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== "string" || !KID.test(jwk.kid))) {
    throw new AssertionKeyError(
      `${where} has a kid that is not 1 to 128 letters, digits or ._~:- characters.`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({
      key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, d: jwk.d },
      format: "jwk",
    });
  } catch {
    // The crypto error is not passed on: it is not needed to fix the setting, and a message from
    // deep in OpenSSL is no place to take a chance on quoting key bytes.
    throw new AssertionKeyError(
      `${where} is not a valid EC P-256 private key (its x, y or d does not decode).`,
    );
  }
  return fromKeyObject(privateKey, where, jwk.kid);
}

function fromPem(pem: string, where: string): AssertionKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new AssertionKeyError(`${where} is not a readable PEM private key.`);
  }
  return fromKeyObject(privateKey, where, undefined);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the fault: that would be key material.
    throw new AssertionKeyError(
      "The signing-key setting is not valid JSON (a JWK, an array of JWKs or a JWKS) nor a PEM private key.",
    );
  }
}

function jwkList(parsed: unknown): unknown[] {
  if (Array.isArray(parsed)) return parsed;
  if (typeof parsed === "object" && parsed !== null && "keys" in parsed) {
    const keys = (parsed as { keys: unknown }).keys;
    if (!Array.isArray(keys))
      throw new AssertionKeyError('The signing-key setting\'s "keys" is not an array.');
    return keys;
  }
  return [parsed];
}

/**
 * The signing keys in a setting, in order: the first signs, all are published. Accepts a JWK
 * (EC P-256 with `d`, optional `kid`), an array of them or `{ "keys": [...] }`, or one or more
 * PKCS#8 PEM blocks (`-----BEGIN PRIVATE KEY-----`; SEC1 `EC PRIVATE KEY` works too). A PEM's
 * newlines may be written as `\n`, as app settings often hold them. A key without a kid gets its
 * RFC 7638 thumbprint. Throws AssertionKeyError naming the entry at fault, never its content.
 */
export function parseAssertionKeys(raw: string): AssertionKey[] {
  const text = raw.trim();
  if (text === "") throw new AssertionKeyError("The signing-key setting is empty.");

  let keys: AssertionKey[];
  if (text.startsWith("-----BEGIN")) {
    const blocks = text.replaceAll("\\n", "\n").match(PEM_BLOCK) ?? [];
    if (blocks.length === 0)
      throw new AssertionKeyError("The signing-key setting has no complete PEM block.");
    keys = blocks.map((pem, i) => fromPem(pem, `PEM block ${i + 1} of ${blocks.length}`));
  } else {
    const list = jwkList(parseJson(text));
    if (list.length === 0) throw new AssertionKeyError("The signing-key setting holds no keys.");
    keys = list.map((jwk, i) =>
      fromJwk(jwk, list.length === 1 ? "The signing key" : `Key ${i + 1} of ${list.length}`),
    );
  }

  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.kid)) {
      throw new AssertionKeyError(`Two signing keys have the kid "${key.kid}"; each needs its own.`);
    }
    seen.add(key.kid);
  }
  return keys;
}

/** A new ES256 signing key as a JWK JSON string (with kid, alg and use), for the sandbox and tests. */
export function generateAssertionKey(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key = fromKeyObject(privateKey, "The generated key", undefined);
  return JSON.stringify({ ...key.privateJwk, kid: key.kid, alg: "ES256", use: "sig" });
}
