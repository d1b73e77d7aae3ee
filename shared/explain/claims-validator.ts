// A validator over claims given as they are (no signed token), for `tollgate explain --claims`:
// Entra's claim rules and the principal, exactly as the token validator runs them after the
// signature. The checks that need a token (shape, header, keys, signature) are not run.

import type { Clock } from "../clock.js";
import type { TokenSettings } from "../config/settings.js";
import { principalFromClaims, type TokenValidator } from "../token/token-validator.js";

export function claimsValidator(
  claims: Record<string, unknown>,
  settings: TokenSettings,
  clock: Clock,
): Pick<TokenValidator, "validateAuthorization"> {
  return {
    async validateAuthorization(_authorization, _url, steps) {
      return principalFromClaims(claims, settings, Math.floor(clock.now() / 1000), steps);
    },
  };
}
