// How many claims challenges one token may receive on this instance. A client that keeps
// presenting the same token after a challenge is not going to step up: after the budget it gets
// the plain refusal, so a confused client cannot loop through Entra forever.

/** MSAL answers a challenge once; the second is for a client that raced its own retry. */
export const CHALLENGES_PER_TOKEN = 2;
const MAX_TRACKED_TOKENS = 10_000;

export class ChallengeBudget {
  readonly #perToken: number;
  readonly #maxTracked: number;
  readonly #counts = new Map<string, number>();

  constructor(perToken = CHALLENGES_PER_TOKEN, maxTracked = MAX_TRACKED_TOKENS) {
    this.#perToken = perToken;
    this.#maxTracked = maxTracked;
  }

  /** Spends one challenge for the token; false when its budget is already spent. */
  spend(tokenKey: string): boolean {
    const used = this.#counts.get(tokenKey) ?? 0;
    if (used >= this.#perToken) return false;
    if (used === 0 && this.#counts.size >= this.#maxTracked) {
      // Oldest first (insertion order): bounded memory; a forgotten token merely gets its budget again.
      const oldest = this.#counts.keys().next();
      if (!oldest.done) this.#counts.delete(oldest.value);
    }
    this.#counts.set(tokenKey, used + 1);
    return true;
  }
}

/** One token's identity for the budget: its `uti`, or who it is for and when it was issued. */
export function challengeKey(principal: {
  tokenId?: string;
  tenantId: string;
  objectId: string;
  clientAppId: string;
  issuedAt: number;
}): string {
  return (
    principal.tokenId ??
    `${principal.tenantId}:${principal.objectId}:${principal.clientAppId}:${principal.issuedAt}`
  );
}
