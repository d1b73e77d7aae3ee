// The reason codes every denial carries, and the one error class that carries them.
// Telemetry, the problem body, WWW-Authenticate, tests and the README all speak these codes.

import type { ClaimsChallenge } from "./http/claims-challenge.js";

/** RFC 6750 §3.1 error codes, for the WWW-Authenticate challenge. */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

interface ReasonSpec {
  status: number;
  /** Omitted when RFC 6750 says the challenge carries no error (a request with no credentials). */
  bearerError?: BearerError;
  /** Short title for the problem body. */
  title: string;
}

export const REASONS = {
  // The Authorization header itself.
  token_missing: { status: 401, title: "No bearer token" },
  authorization_scheme_unsupported: { status: 401, title: "Authorization scheme is not Bearer" },
  authorization_header_invalid: {
    status: 400,
    bearerError: "invalid_request",
    title: "Authorization header is invalid",
  },
  // The token's shape and protected header, before any cryptography.
  token_malformed: { status: 401, bearerError: "invalid_token", title: "Token is malformed" },
  token_too_large: { status: 401, bearerError: "invalid_token", title: "Token is too large" },
  token_encrypted: { status: 401, bearerError: "invalid_token", title: "Encrypted tokens are not accepted" },
  token_unsigned: { status: 401, bearerError: "invalid_token", title: "Unsigned tokens are not accepted" },
  algorithm_not_allowed: {
    status: 401,
    bearerError: "invalid_token",
    title: "Signing algorithm not allowed",
  },
  crit_not_supported: { status: 401, bearerError: "invalid_token", title: "Critical header not supported" },
  embedded_key_rejected: {
    status: 401,
    bearerError: "invalid_token",
    title: "Keys named inside the token are not trusted",
  },
  unencoded_payload_rejected: {
    status: 401,
    bearerError: "invalid_token",
    title: "Unencoded payloads are not accepted",
  },
  // Entra rules over the claims.
  graph_token: { status: 401, bearerError: "invalid_token", title: "Token is for Microsoft Graph" },
  not_an_access_token: { status: 401, bearerError: "invalid_token", title: "Token is not an access token" },
  token_version_not_allowed: {
    status: 401,
    bearerError: "invalid_token",
    title: "Token version not allowed",
  },
  issuer_not_allowed: { status: 401, bearerError: "invalid_token", title: "Issuer not allowed" },
  tenant_not_allowed: { status: 401, bearerError: "invalid_token", title: "Tenant not allowed" },
  audience_not_allowed: { status: 401, bearerError: "invalid_token", title: "Audience not allowed" },
  claim_invalid: {
    status: 401,
    bearerError: "invalid_token",
    title: "A required claim is missing or invalid",
  },
  token_expired: { status: 401, bearerError: "invalid_token", title: "Token has expired" },
  token_not_yet_valid: { status: 401, bearerError: "invalid_token", title: "Token is not valid yet" },
  token_issued_in_future: { status: 401, bearerError: "invalid_token", title: "Token issued in the future" },
  token_lifetime_exceeds_policy: {
    status: 401,
    bearerError: "invalid_token",
    title: "Token lifetime exceeds policy",
  },
  client_app_not_allowed: {
    status: 401,
    bearerError: "invalid_token",
    title: "Client application not allowed",
  },
  principal_kind_not_allowed: {
    status: 401,
    bearerError: "invalid_token",
    title: "Caller kind (user or app) not allowed",
  },
  // Signature and keys.
  key_not_found: { status: 401, bearerError: "invalid_token", title: "Signing key not found" },
  signature_invalid: { status: 401, bearerError: "invalid_token", title: "Signature is invalid" },
  keys_unavailable: { status: 503, title: "Signing keys are unavailable" },
  // Authorization and what comes after it (later issues add to these).
  no_matching_rule: { status: 403, bearerError: "insufficient_scope", title: "No rule allows this request" },
  insufficient_scope: { status: 403, bearerError: "insufficient_scope", title: "Insufficient scope or role" },
  path_invalid: { status: 400, title: "The request path is ambiguous" },
  policy_unavailable: { status: 503, title: "The role map is not loaded yet" },
  rate_limited: { status: 429, title: "Rate limit exceeded" },
  rate_limit_unavailable: { status: 503, title: "Rate-limit storage is unavailable" },
  backend_unavailable: { status: 502, title: "Backend unavailable" },
  backend_timeout: { status: 504, title: "Backend timed out" },
  internal_error: { status: 500, title: "Internal error" },
  request_body_too_large: { status: 413, title: "Request body too large" },
  gateway_bypass_rejected: { status: 403, title: "Request did not come through the front end" },
  // Continuous access: withdrawn before `exp`, step-up, onboarding, groups from Graph.
  token_revoked: { status: 401, bearerError: "invalid_token", title: "Token has been revoked" },
  revocations_unavailable: { status: 503, title: "The revocation list is not loaded yet" },
  auth_context_required: {
    status: 403,
    bearerError: "insufficient_scope",
    title: "A stronger sign-in (authentication context) is required",
  },
  tenant_suspended: { status: 403, title: "Tenant is suspended" },
  tenants_unavailable: { status: 503, title: "The tenants table is not loaded yet" },
  groups_unavailable: { status: 503, title: "The caller's groups could not be looked up" },
  signin_sessions_unavailable: { status: 503, title: "The caller's sign-in sessions could not be checked" },
} as const satisfies Record<string, ReasonSpec>;

export type Reason = keyof typeof REASONS;

export function reasonSpec(reason: Reason): ReasonSpec {
  return REASONS[reason];
}

/**
 * A decision not to let a request through. `message` is safe to show the caller: it never
 * contains the token or any secret. `retryAfterSeconds` is set where waiting helps (503, 429).
 */
export class TollgateError extends Error {
  override readonly name = "TollgateError";
  readonly reason: Reason;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  /** Scopes or roles that would satisfy the request, for `insufficient_scope` challenges. */
  readonly requiredScope: string | undefined;
  /** Extra response headers the refusal carries (RateLimit fields on a 429). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Entra's claims challenge, for CAE-capable clients; a refusal that carries one is a 401. */
  readonly claimsChallenge: ClaimsChallenge | undefined;

  constructor(
    reason: Reason,
    message: string,
    options: {
      retryAfterSeconds?: number;
      requiredScope?: string;
      headers?: Readonly<Record<string, string>>;
      claimsChallenge?: ClaimsChallenge;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.status = options.claimsChallenge === undefined ? REASONS[reason].status : 401;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.requiredScope = options.requiredScope;
    this.headers = options.headers;
    this.claimsChallenge = options.claimsChallenge;
  }
}

export function isTollgateError(value: unknown): value is TollgateError {
  return value instanceof TollgateError;
}
