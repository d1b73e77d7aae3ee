// Takes the bearer token out of the Authorization header, refusing anything ambiguous.

import { TollgateError } from "../reasons.js";

/**
 * `authorization` is the header value as the host hands it over. Hosts join repeated headers
 * with ", " and a bearer token never contains a comma, so a comma means two headers or two
 * credentials: refused rather than guessed at.
 */
export function extractBearerToken(authorization: string | null | undefined, url?: URL): string {
  if (authorization === null || authorization === undefined || authorization.trim() === "") {
    if (url?.searchParams.has("access_token")) {
      throw new TollgateError(
        "token_missing",
        "Tokens in the query string are not accepted (they end up in logs); send the header Authorization: Bearer <token>.",
      );
    }
    throw new TollgateError("token_missing", "Send the header Authorization: Bearer <token>.");
  }
  if (authorization.includes(",")) {
    throw new TollgateError(
      "authorization_header_invalid",
      "The request carries more than one Authorization header or credential; send exactly one.",
    );
  }
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(\S*))?$/.exec(authorization);
  if (!match) {
    throw new TollgateError(
      "authorization_header_invalid",
      "The Authorization header must be exactly 'Bearer <token>' with a single space-separated token.",
    );
  }
  const [, scheme = "", token] = match;
  if (scheme.toLowerCase() !== "bearer") {
    throw new TollgateError(
      "authorization_scheme_unsupported",
      `The Authorization scheme must be Bearer, not ${scheme.slice(0, 20)}.`,
    );
  }
  if (token === undefined || token === "") {
    throw new TollgateError(
      "authorization_header_invalid",
      "The Authorization header names Bearer but carries no token.",
    );
  }
  return token;
}
