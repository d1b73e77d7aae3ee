// Which signature algorithm a validated key verifies with. Entra's keys name no `alg`, yet
// WebCrypto binds a key to one algorithm when it is imported, so one has to be chosen.

import type { ValidatedJwk } from "./types.js";

/** The curves tollgate accepts, each with its coordinate length and the one algorithm that uses it. */
export const CURVES: Readonly<Record<string, { bytes: number; alg: string }>> = {
  "P-256": { bytes: 32, alg: "ES256" },
  "P-384": { bytes: 48, alg: "ES384" },
  "P-521": { bytes: 66, alg: "ES512" },
};

export const RSA_ALGORITHM = /^(RS|PS)(256|384|512)$/;

/**
 * The algorithm to import this key for: its own `alg`, else the allowed one its type implies.
 * For RSA that is RS256 when allowed (what Entra signs with), else the first allowed RSA algorithm.
 * Undefined when no allowed algorithm can use the key.
 */
export function algorithmFor(
  jwk: Pick<ValidatedJwk, "kty" | "alg" | "crv">,
  allowedAlgorithms: readonly string[],
): string | undefined {
  if (jwk.alg !== undefined) return allowedAlgorithms.includes(jwk.alg) ? jwk.alg : undefined;
  if (jwk.kty === "RSA") {
    if (allowedAlgorithms.includes("RS256")) return "RS256";
    return allowedAlgorithms.find((alg) => RSA_ALGORITHM.test(alg));
  }
  const curve = jwk.crv === undefined ? undefined : CURVES[jwk.crv];
  return curve !== undefined && allowedAlgorithms.includes(curve.alg) ? curve.alg : undefined;
}
