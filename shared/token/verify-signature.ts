// The one place a signature is checked: the exact bytes of header.payload, the single algorithm
// the header named, and the key Entra published for it. jose imports and checks the keys; the
// check itself calls node:crypto directly, which is several times faster than WebCrypto's
// promise-based verify on the hot path (see bench/RESULTS.md) and needs no per-request import.

import { constants, verify as cryptoVerify, KeyObject } from "node:crypto";
import type { VerificationKey } from "../keys/types.js";
import { TollgateError } from "../reasons.js";

interface AlgorithmSpec {
  hash: "sha256" | "sha384" | "sha512";
  keyType: "rsa" | "ec";
  pss?: boolean;
  /** For ES*: the curve the key must be on. */
  curve?: string;
}

const ALGORITHMS: Record<string, AlgorithmSpec> = {
  RS256: { hash: "sha256", keyType: "rsa" },
  RS384: { hash: "sha384", keyType: "rsa" },
  RS512: { hash: "sha512", keyType: "rsa" },
  PS256: { hash: "sha256", keyType: "rsa", pss: true },
  PS384: { hash: "sha384", keyType: "rsa", pss: true },
  PS512: { hash: "sha512", keyType: "rsa", pss: true },
  ES256: { hash: "sha256", keyType: "ec", curve: "prime256v1" },
  ES384: { hash: "sha384", keyType: "ec", curve: "secp384r1" },
  ES512: { hash: "sha512", keyType: "ec", curve: "secp521r1" },
};

const SALT_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

/** Derived once per imported key and kept as long as the key itself is. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObjectOf(key: CryptoKey): KeyObject {
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

export async function verifySignature(compact: string, alg: string, key: VerificationKey): Promise<void> {
  // A key that names its algorithm signs with that one only (no RS256 key used as PS256).
  if (key.alg !== undefined && key.alg !== alg) {
    throw new TollgateError("signature_invalid", `Key ${key.kid} is published for ${key.alg}, not ${alg}.`);
  }
  const spec = ALGORITHMS[alg];
  const keyObject = keyObjectOf(key.key);
  if (
    spec === undefined ||
    keyObject.asymmetricKeyType !== spec.keyType ||
    (spec.curve !== undefined && keyObject.asymmetricKeyDetails?.namedCurve !== spec.curve)
  ) {
    throw new TollgateError(
      "signature_invalid",
      `Key ${key.kid} cannot verify ${alg.slice(0, 16)} signatures.`,
    );
  }
  const lastDot = compact.lastIndexOf(".");
  const signingInput = Buffer.from(compact.slice(0, lastDot), "ascii");
  const signature = Buffer.from(compact.slice(lastDot + 1), "base64url");
  let valid: boolean;
  try {
    valid = cryptoVerify(
      spec.hash,
      signingInput,
      spec.keyType === "ec"
        ? { key: keyObject, dsaEncoding: "ieee-p1363" }
        : spec.pss
          ? { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT_LENGTH[spec.hash] }
          : keyObject,
      signature,
    );
  } catch (error) {
    // A signature of the wrong length or form for the key is simply not a valid signature.
    throw new TollgateError(
      "signature_invalid",
      "The token's signature could not be verified with its key.",
      {
        cause: error,
      },
    );
  }
  if (!valid) throw new TollgateError("signature_invalid", "The token's signature does not verify.");
}
