// Optional enforcement of the audit's limits (TOLLGATE_AUDIT_ENFORCE): a token that outlives the
// limit for its client's CAE capability is refused with `token_lifetime_exceeds_policy`.

import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";
import type { TokenValidator } from "../token/token-validator.js";
import { exceedsLimit, formatDuration, type LifetimeLimits, maxLifetimeFor } from "./lifetime-limits.js";

type Validator = Pick<TokenValidator, "validateAuthorization">;

/**
 * Wraps a validator so that valid tokens over the limit are refused. `onRefused` still sees each
 * refused caller's verified principal, so the lifetime audit counts the tokens it turned away.
 */
export function enforceLifetimeLimits(
  validator: Validator,
  limits: LifetimeLimits,
  onRefused?: (principal: Principal) => void,
): Validator {
  return {
    async validateAuthorization(authorization, url, steps) {
      const principal = await validator.validateAuthorization(authorization, url, steps);
      steps?.push("lifetime limit (TOLLGATE_AUDIT_ENFORCE)");
      const lifetime = principal.expiresAt - principal.issuedAt;
      const limit = maxLifetimeFor(principal.caeCapable, limits);
      if (exceedsLimit(lifetime, limit)) {
        try {
          onRefused?.(principal);
        } catch {
          // Observing must never change an answer.
        }
        throw new TollgateError(
          "token_lifetime_exceeds_policy",
          `The token lives ${formatDuration(lifetime)}; this API accepts at most ${formatDuration(limit)} for clients ${principal.caeCapable ? "with" : "without"} Continuous Access Evaluation.`,
        );
      }
      return principal;
    },
  };
}
