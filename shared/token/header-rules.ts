// Rules over the protected header: which algorithms, and which header members are refused
// outright because they let the token choose its own key or change how it is verified.

import { TollgateError } from "../reasons.js";

const EMBEDDED_KEY_MEMBERS = ["jwk", "jku", "x5u", "x5c"] as const;
const ACCESS_TOKEN_TYPES = new Set(["jwt", "at+jwt", "application/at+jwt"]);

export interface CheckedHeader {
  alg: string;
  kid: string;
}

/** Printable ASCII only, so an attacker's `kid` can be named in a message or a log safely. */
const SAFE_KID = /^[\x21-\x7e]{1,128}$/;

export function checkProtectedHeader(
  header: Record<string, unknown>,
  allowedAlgorithms: readonly string[],
  unsigned: boolean,
): CheckedHeader {
  const { alg } = header;
  if (typeof alg !== "string" || alg === "") {
    throw new TollgateError("token_malformed", "The token's header names no algorithm (alg).");
  }
  if (alg.toLowerCase() === "none" || unsigned) {
    throw new TollgateError(
      "token_unsigned",
      "Unsigned tokens (alg none or no signature) are never accepted.",
    );
  }
  if ("enc" in header) {
    throw new TollgateError(
      "token_encrypted",
      "Encrypted tokens (JWE) are not accepted; send a signed access token.",
    );
  }
  if ("crit" in header) {
    throw new TollgateError(
      "crit_not_supported",
      "The token's header lists critical extensions (crit); none are supported.",
    );
  }
  for (const member of EMBEDDED_KEY_MEMBERS) {
    if (member in header) {
      throw new TollgateError(
        "embedded_key_rejected",
        `The token's header carries '${member}'; keys are only ever taken from Entra's published key set.`,
      );
    }
  }
  if ("b64" in header) {
    throw new TollgateError("unencoded_payload_rejected", "Unencoded payloads (b64) are not accepted.");
  }
  if ("zip" in header) {
    throw new TollgateError("token_malformed", "Compressed tokens (zip) are not accepted.");
  }
  if ("nonce" in header) {
    // Microsoft Graph access tokens carry a nonce in the header and cannot be validated by anyone but Graph.
    throw new TollgateError(
      "graph_token",
      "This is a Microsoft Graph token. Request a token for this API's scope (api://…/.default or a named scope) instead.",
    );
  }
  if (!allowedAlgorithms.includes(alg)) {
    const hint = /^HS/i.test(alg) ? " HMAC algorithms are never accepted." : "";
    throw new TollgateError(
      "algorithm_not_allowed",
      `The algorithm '${alg.slice(0, 16)}' is not allowed; allowed: ${allowedAlgorithms.join(", ")}.${hint}`,
    );
  }
  const { typ } = header;
  if (typ !== undefined && (typeof typ !== "string" || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))) {
    throw new TollgateError("not_an_access_token", "The token's type (typ) is not that of an access token.");
  }
  const { kid } = header;
  if (typeof kid !== "string" || !SAFE_KID.test(kid)) {
    throw new TollgateError("token_malformed", "The token's header has no usable key id (kid).");
  }
  return { alg, kid };
}
