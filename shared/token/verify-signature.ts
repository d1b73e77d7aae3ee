// The one place a signature is checked: jose over the exact compact string, with the single
// algorithm the header named and the key Entra published for it.

import { compactVerify, errors } from "jose";
import type { VerificationKey } from "../keys/types.js";
import { TollgateError } from "../reasons.js";

export async function verifySignature(compact: string, alg: string, key: VerificationKey): Promise<void> {
  // A key that names its algorithm signs with that one only (no RS256 key used as PS256).
  if (key.alg !== undefined && key.alg !== alg) {
    throw new TollgateError("signature_invalid", `Key ${key.kid} is published for ${key.alg}, not ${alg}.`);
  }
  try {
    await compactVerify(compact, key.key, { algorithms: [alg] });
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw new TollgateError("signature_invalid", "The token's signature does not verify.");
    }
    // WebCrypto refuses a key imported for one algorithm (RS256) when asked for another (PS256).
    if (error instanceof errors.JOSEError || error instanceof TypeError) {
      throw new TollgateError(
        "signature_invalid",
        "The token's signature could not be verified with its key.",
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
