// The revocation check on every request, verified-token cache hit or not: an in-memory lookup in
// the last list read from storage. A revoked CAE-capable caller gets Entra's claims challenge
// (bring a token issued after the revocation); others, and challenges past the budget, a 401.

import type { Clock } from "../clock.js";
import { ChallengeBudget, challengeKey } from "../http/challenge-budget.js";
import { freshTokenChallenge } from "../http/claims-challenge.js";
import { TollgateError } from "../reasons.js";
import type { TableMirror } from "../storage/table-mirror.js";
import type { Principal } from "../token/principal.js";
import type { RevocationIndex } from "./revocation-index.js";

export interface RevocationGateOptions {
  mirror: Pick<TableMirror<RevocationIndex>, "current">;
  clock: Clock;
  /** Entra authority host, for the challenge's authorization_uri. */
  authority: string;
  challenges?: ChallengeBudget;
}

export class RevocationGate {
  readonly #options: RevocationGateOptions;
  readonly #challenges: ChallengeBudget;

  constructor(options: RevocationGateOptions) {
    this.#options = options;
    this.#challenges = options.challenges ?? new ChallengeBudget();
  }

  /** Throws `token_revoked` (or `revocations_unavailable` before the first read); never does I/O. */
  check(principal: Principal): void {
    const loaded = this.#options.mirror.current();
    if (loaded === undefined) {
      // Fail closed: without the list, a revoked token would pass unnoticed.
      throw new TollgateError(
        "revocations_unavailable",
        "The revocation list has not been read from storage yet; try again shortly.",
        { retryAfterSeconds: 5 },
      );
    }
    const nowMs = this.#options.clock.now();
    const entry = loaded.value.match(principal, nowMs);
    if (entry === undefined) return;
    const scope =
      entry.issuedBefore === undefined
        ? "Access for this caller has been revoked"
        : "Tokens issued before the revocation are no longer accepted";
    if (principal.caeCapable && this.#challenges.spend(challengeKey(principal))) {
      // A new token must be issued after the revocation (or the cut-off it names).
      const nbf = entry.issuedBefore ?? Math.ceil(entry.addedAt / 1000);
      throw new TollgateError("token_revoked", `${scope}; sign in again to get a new token.`, {
        claimsChallenge: freshTokenChallenge(this.#options.authority, principal.tenantId, nbf),
      });
    }
    throw new TollgateError("token_revoked", `${scope}.`);
  }
}
