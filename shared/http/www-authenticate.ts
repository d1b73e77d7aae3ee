// RFC 6750 challenges for 401 and 403 answers.

import { REASONS, type TollgateError } from "../reasons.js";
import { claimsChallengeParameters } from "./claims-challenge.js";

/** RFC 6750 limits error_description to printable ASCII without `"` and `\`. */
function quotable(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "?").slice(0, 300);
}

/** A URL or scope list from the role map: never cut short (a clipped URL misleads), only made quotable. */
function quotableWhole(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "?");
}

/** RFC 9728 §5.1 and MCP: on a protected resource's routes, where its metadata is and what to ask for. */
export interface ChallengeExtras {
  resourceMetadata: string;
  /** Replaces the refusal's own scope; also sent on a 401. */
  scope?: string;
}

/** The challenge for a refusal, or undefined where none belongs (429, 5xx). */
export function bearerChallenge(
  error: TollgateError,
  realm = "tollgate",
  extras?: ChallengeExtras,
): string | undefined {
  const spec = REASONS[error.reason];
  if (error.status !== 401 && error.status !== 403 && !("bearerError" in spec)) return undefined;
  const parts = [`realm="${realm}"`];
  // A claims challenge replaces the RFC 6750 error: Entra's clients look for exactly this shape.
  if (error.claimsChallenge !== undefined) {
    parts.push(...claimsChallengeParameters(error.claimsChallenge, quotable(error.message)));
    return `Bearer ${parts.join(", ")}`;
  }
  if ("bearerError" in spec) {
    parts.push(`error="${spec.bearerError}"`, `error_description="${quotable(error.message)}"`);
    const scope = extras?.scope ?? error.requiredScope;
    if (spec.bearerError === "insufficient_scope" && scope) {
      parts.push(`scope="${extras?.scope ? quotableWhole(scope) : quotable(scope)}"`);
    }
  }
  if (extras !== undefined) {
    if (error.status === 401 && extras.scope) parts.push(`scope="${quotableWhole(extras.scope)}"`);
    parts.push(`resource_metadata="${quotableWhole(extras.resourceMetadata)}"`);
  }
  return `Bearer ${parts.join(", ")}`;
}
