// The answer to a caller whose sign-in did not meet a rule's authentication context: a claims
// challenge a CAE-capable client (MSAL with `cp1`) turns into an interactive step-up, or a 403
// that tells other clients what to ask Entra for.

import { type ChallengeBudget, challengeKey } from "../http/challenge-budget.js";
import { authContextChallenge } from "../http/claims-challenge.js";
import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";

export type StepUpRefusal = (principal: Principal, contextId: string, message: string) => TollgateError;

export function createStepUpRefusal(authority: string, challenges: ChallengeBudget): StepUpRefusal {
  return (principal, contextId, message) => {
    if (principal.caeCapable && challenges.spend(challengeKey(principal))) {
      return new TollgateError("auth_context_required", `${message} Sign in again to meet it.`, {
        claimsChallenge: authContextChallenge(authority, principal.tenantId, contextId),
      });
    }
    return new TollgateError(
      "auth_context_required",
      `${message} Request a new token whose claims request asks for acrs value ${contextId}; clients that declare the cp1 capability receive this as a claims challenge.`,
    );
  };
}
