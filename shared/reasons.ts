// The reason codes every refusal carries, whose fault each is, and the one error class that
// carries them.
// Telemetry, the problem body, WWW-Authenticate, tests and the README all speak these codes.

import type { ClaimsChallenge } from "./http/claims-challenge.js";

/** RFC 6750 §3.1 error codes, for the WWW-Authenticate challenge. */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

/**
 * Whose fault a refusal is, as the Azure Functions library separates user and system errors:
 * the caller's (a bad token, a missing role, too many requests), or tollgate's and the
 * platform's (Entra, storage or the backend cannot be had, a fault in tollgate). The first is a
 * denial; the second an outage, recorded with outcome `error` so denial counts stay the callers'.
 */
export type Fault = "caller" | "tollgate";

interface ReasonSpec {
  status: number;
  /** Omitted when RFC 6750 says the challenge carries no error (a request with no credentials). */
  bearerError?: BearerError;
  /** Short title for the problem body. */
  title: string;
  fault: Fault;
}

// The shapes most reasons share; each entry below adds its title.
const INVALID_TOKEN = { status: 401, bearerError: "invalid_token", fault: "caller" } as const;
const NO_TOKEN = { status: 401, fault: "caller" } as const;
const FORBIDDEN = { status: 403, bearerError: "insufficient_scope", fault: "caller" } as const;
const OUTAGE = { status: 503, fault: "tollgate" } as const;

export const REASONS = {
  // The Authorization header itself.
  token_missing: { ...NO_TOKEN, title: "No bearer token" },
  authorization_scheme_unsupported: { ...NO_TOKEN, title: "Authorization scheme is not Bearer" },
  authorization_header_invalid: {
    status: 400,
    bearerError: "invalid_request",
    fault: "caller",
    title: "Authorization header is invalid",
  },
  // The token's shape and protected header, before any cryptography.
  token_malformed: { ...INVALID_TOKEN, title: "Token is malformed" },
  token_too_large: { ...INVALID_TOKEN, title: "Token is too large" },
  token_encrypted: { ...INVALID_TOKEN, title: "Encrypted tokens are not accepted" },
  token_unsigned: { ...INVALID_TOKEN, title: "Unsigned tokens are not accepted" },
  algorithm_not_allowed: { ...INVALID_TOKEN, title: "Signing algorithm not allowed" },
  crit_not_supported: { ...INVALID_TOKEN, title: "Critical header not supported" },
  embedded_key_rejected: { ...INVALID_TOKEN, title: "Keys named inside the token are not trusted" },
  unencoded_payload_rejected: { ...INVALID_TOKEN, title: "Unencoded payloads are not accepted" },
  // Entra rules over the claims.
  graph_token: { ...INVALID_TOKEN, title: "Token is for Microsoft Graph" },
  not_an_access_token: { ...INVALID_TOKEN, title: "Token is not an access token" },
  token_version_not_allowed: { ...INVALID_TOKEN, title: "Token version not allowed" },
  issuer_not_allowed: { ...INVALID_TOKEN, title: "Issuer not allowed" },
  tenant_not_allowed: { ...INVALID_TOKEN, title: "Tenant not allowed" },
  audience_not_allowed: { ...INVALID_TOKEN, title: "Audience not allowed" },
  claim_invalid: { ...INVALID_TOKEN, title: "A required claim is missing or invalid" },
  token_expired: { ...INVALID_TOKEN, title: "Token has expired" },
  token_not_yet_valid: { ...INVALID_TOKEN, title: "Token is not valid yet" },
  token_issued_in_future: { ...INVALID_TOKEN, title: "Token issued in the future" },
  token_lifetime_exceeds_policy: { ...INVALID_TOKEN, title: "Token lifetime exceeds policy" },
  client_app_not_allowed: { ...INVALID_TOKEN, title: "Client application not allowed" },
  principal_kind_not_allowed: { ...INVALID_TOKEN, title: "Caller kind (user or app) not allowed" },
  // Signature and keys.
  key_not_found: { ...INVALID_TOKEN, title: "Signing key not found" },
  signature_invalid: { ...INVALID_TOKEN, title: "Signature is invalid" },
  keys_unavailable: { ...OUTAGE, title: "Signing keys are unavailable" },
  // Authorization and what comes after it (later issues add to these).
  no_matching_rule: { ...FORBIDDEN, title: "No rule allows this request" },
  insufficient_scope: { ...FORBIDDEN, title: "Insufficient scope or role" },
  path_invalid: { status: 400, fault: "caller", title: "The request path is ambiguous" },
  forwarded_header_invalid: {
    status: 400,
    fault: "caller",
    title: "A trusted front end's forwarding headers cannot be read",
  },
  method_override_refused: { status: 400, fault: "caller", title: "Method overrides are not accepted" },
  policy_unavailable: { ...OUTAGE, title: "The role map is not loaded yet" },
  rate_limited: { status: 429, fault: "caller", title: "Rate limit exceeded" },
  rate_limit_unavailable: { ...OUTAGE, title: "Rate-limit storage is unavailable" },
  backend_unavailable: { status: 502, fault: "tollgate", title: "Backend unavailable" },
  backend_timeout: { status: 504, fault: "tollgate", title: "Backend timed out" },
  internal_error: { status: 500, fault: "tollgate", title: "Internal error" },
  request_body_too_large: { status: 413, fault: "caller", title: "Request body too large" },
  gateway_bypass_rejected: {
    status: 403,
    fault: "caller",
    title: "Request did not come through the front end",
  },
  // Continuous access: withdrawn before `exp`, step-up, onboarding, groups from Graph.
  token_revoked: { ...INVALID_TOKEN, title: "Token has been revoked" },
  revocations_unavailable: { ...OUTAGE, title: "The revocation list is not loaded yet" },
  auth_context_required: { ...FORBIDDEN, title: "A stronger sign-in (authentication context) is required" },
  tenant_suspended: { status: 403, fault: "caller", title: "Tenant is suspended" },
  tenants_unavailable: { ...OUTAGE, title: "The tenants table is not loaded yet" },
  groups_unavailable: { ...OUTAGE, title: "The caller's groups could not be looked up" },
  signin_sessions_unavailable: { ...OUTAGE, title: "The caller's sign-in sessions could not be checked" },
  // Entra Agent ID callers, by a rule's `agents` option.
  agent_not_allowed: { status: 403, fault: "caller", title: "Agent identities may not call this route" },
  agent_required: { status: 403, fault: "caller", title: "Only agent identities may call this route" },
  // MCP JSON-RPC bodies on routes with MCP rules (shared/mcp).
  mcp_body_malformed: { status: 400, fault: "caller", title: "Not an MCP JSON-RPC message" },
  mcp_body_too_large: { status: 413, fault: "caller", title: "MCP message too large to inspect" },
  mcp_batch_unsupported: {
    status: 400,
    fault: "caller",
    title: "JSON-RPC batches are not accepted on MCP routes",
  },
  mcp_header_mismatch: {
    status: 400,
    fault: "caller",
    title: "Mcp-Method or Mcp-Name disagrees with the body",
  },
} as const satisfies Record<string, ReasonSpec>;

export type Reason = keyof typeof REASONS;

/** How a refusal is recorded: a denial when the caller is at fault, else an error (an outage). */
export function outcomeOf(reason: Reason): "deny" | "error" {
  return REASONS[reason].fault === "caller" ? "deny" : "error";
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
