// Entra's claims challenge (Continuous Access Evaluation and authentication context): a claims
// request for the client to take to Entra, understood only by clients whose tokens carry
// `xms_cc` with `cp1`. MSAL reads it from the 401's WWW-Authenticate and asks for a new token.

/** What the challenge asks for, and where the client goes to get it. */
export interface ClaimsChallenge {
  /** The minified claims request, e.g. {"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}. */
  claims: string;
  /** The tenant's authorize endpoint. */
  authorizationUri: string;
}

function authorizeUri(authority: string, tenantId: string): string {
  return `${authority}/${tenantId}/oauth2/v2.0/authorize`;
}

/** "Bring a token issued at or after `nbfSeconds`": what CAE asks after a revocation. */
export function freshTokenChallenge(
  authority: string,
  tenantId: string,
  nbfSeconds: number,
): ClaimsChallenge {
  return {
    claims: JSON.stringify({ access_token: { nbf: { essential: true, value: String(nbfSeconds) } } }),
    authorizationUri: authorizeUri(authority, tenantId),
  };
}

/** "Bring a token that satisfied this authentication context" (a Conditional Access step-up). */
export function authContextChallenge(
  authority: string,
  tenantId: string,
  contextId: string,
): ClaimsChallenge {
  return {
    claims: JSON.stringify({ access_token: { acrs: { essential: true, value: contextId } } }),
    authorizationUri: authorizeUri(authority, tenantId),
  };
}

/** The WWW-Authenticate parameters after `realm`, in Entra's order. */
export function claimsChallengeParameters(challenge: ClaimsChallenge, description: string): string[] {
  return [
    `error="insufficient_claims"`,
    `error_description="${description}"`,
    `claims="${Buffer.from(challenge.claims, "utf8").toString("base64")}"`,
    `authorization_uri="${challenge.authorizationUri}"`,
  ];
}

/** Whether the client said it handles claims challenges: `xms_cc` holds `cp1`, in any case. */
export function isCaeCapable(xmsCc: readonly string[]): boolean {
  return xmsCc.some((capability) => capability.toLowerCase() === "cp1");
}
